using Linnet.ControlPlane.Core.Store;

namespace Linnet.Platform.Universal.Store;

/// <summary>Tuning of a <see cref="FileResourceStore"/>.</summary>
public sealed record FileStoreOptions
{
    /// <summary>The default WAL size that triggers a snapshot: 4 MiB.</summary>
    public const long DefaultCompactAfterBytes = 4 * 1024 * 1024;

    /// <summary>When the write-ahead log grows past this many bytes, the state is written to a snapshot and
    /// the log starts over. Smaller values mean faster opens and more frequent snapshot writes.</summary>
    public long CompactAfterBytes { get; init; } = DefaultCompactAfterBytes;

    /// <summary>How many events are kept for watches that resume from an older revision.</summary>
    public int MaxHistory { get; init; } = ResourceStoreBase.DefaultHistory;
}
