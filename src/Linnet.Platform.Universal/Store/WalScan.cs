namespace Linnet.Platform.Universal.Store;

/// <summary>What a scan of the WAL found: the intact records, where they end, and why the bytes after that
/// (a torn tail) were rejected, if there are any.</summary>
internal sealed record WalScan(IReadOnlyList<WalRecord> Records, int ValidLength, string? TailProblem);
