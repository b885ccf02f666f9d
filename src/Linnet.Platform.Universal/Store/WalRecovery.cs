namespace Linnet.Platform.Universal.Store;

/// <summary>An opened WAL, ready for appends, with the records it held and what was cut from its tail.</summary>
internal sealed record WalRecovery(WriteAheadLog Log, IReadOnlyList<WalRecord> Records, int TruncatedOffset, int TruncatedBytes, string? TailProblem);
