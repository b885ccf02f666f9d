namespace Linnet.Registry;

/// <summary>Progress of one blob's download.</summary>
/// <param name="Digest">The blob.</param>
/// <param name="Received">Bytes on disk so far (including what a resumed download already had).</param>
/// <param name="Total">Its size.</param>
/// <param name="Cached">True when it was already in the cache.</param>
public sealed record PullProgress(ContentDigest Digest, long Received, long Total, bool Cached);
