namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>Assertions over a load run's records, with the failures spelled out.</summary>
internal static class LoadAssert
{
    public static void NoneFailed(IReadOnlyList<RequestRecord> records)
    {
        var failed = records.Where(r => !r.Succeeded).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {records.Count} requests failed:\n{string.Join('\n', failed.Take(20))}");
    }
}
