using Linnet.Registry;

namespace Linnet.Platform.Universal.Images;

/// <summary>An image pulled and unpacked for instances to run.</summary>
/// <param name="Image">The reference as the workload names it.</param>
/// <param name="Digest">The digest the reference resolved to (what <c>get instances</c> shows).</param>
/// <param name="RootFs">The unpacked filesystem (shared by every instance of this image; not to be written).</param>
/// <param name="Config">The image's run settings.</param>
internal sealed record ResolvedImage(string Image, ContentDigest Digest, string RootFs, ImageConfig Config);
