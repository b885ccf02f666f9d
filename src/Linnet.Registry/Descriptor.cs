namespace Linnet.Registry;

/// <summary>An OCI content descriptor: what a manifest says about a blob.</summary>
/// <param name="MediaType">Its media type.</param>
/// <param name="Digest">Its digest.</param>
/// <param name="Size">Its size in bytes.</param>
public sealed record Descriptor(string MediaType, ContentDigest Digest, long Size);
