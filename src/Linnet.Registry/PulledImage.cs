namespace Linnet.Registry;

/// <summary>An image fetched into a <see cref="BlobCache"/>: every blob is on disk and verified.</summary>
/// <param name="Reference">What was asked for.</param>
/// <param name="Digest">The digest the reference resolved to (the index's when it is multi-platform): what a
/// registry's <c>HEAD</c> reports for the tag, and what pins this exact image.</param>
/// <param name="ManifestDigest">The linux/amd64 image manifest's digest (equal to <paramref name="Digest"/> for a
/// single-platform image).</param>
/// <param name="ConfigDigest">The config blob's digest (the image id).</param>
/// <param name="Config">The run settings from the config.</param>
/// <param name="Layers">The layers, bottom first.</param>
public sealed record PulledImage(ImageReference Reference, ContentDigest Digest, ContentDigest ManifestDigest, ContentDigest ConfigDigest, ImageConfig Config, IReadOnlyList<Descriptor> Layers);
