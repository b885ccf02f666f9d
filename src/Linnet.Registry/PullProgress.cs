namespace Linnet.Registry;

/// <summary>Progress of one blob's download, and of the image's layers as a whole once the manifest is known.</summary>
/// <param name="Digest">The blob.</param>
/// <param name="Received">Bytes on disk so far (including what a resumed download already had).</param>
/// <param name="Total">Its size.</param>
/// <param name="Cached">True when it was already in the cache.</param>
public sealed record PullProgress(ContentDigest Digest, long Received, long Total, bool Cached)
{
    /// <summary>The image's layers complete so far (downloaded and verified, or cached).</summary>
    public int LayersDone { get; init; }

    /// <summary>How many layers the image has.</summary>
    public int Layers { get; init; }

    /// <summary>Bytes of the image's layers on disk so far.</summary>
    public long LayerBytesReceived { get; init; }

    /// <summary>The size of the image's layers together (compressed, as the registry serves them).</summary>
    public long LayerBytes { get; init; }
}
