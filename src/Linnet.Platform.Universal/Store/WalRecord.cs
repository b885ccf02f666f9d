namespace Linnet.Platform.Universal.Store;

/// <summary>One commit as read back from the WAL.</summary>
internal sealed record WalRecord(long Revision, IReadOnlyList<WalEntry> Entries);
