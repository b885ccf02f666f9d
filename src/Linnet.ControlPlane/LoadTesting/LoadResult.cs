namespace Linnet.ControlPlane.LoadTesting;

/// <summary>What a load test did: responses by status code, and requests that got none.</summary>
public sealed record LoadResult(IReadOnlyDictionary<int, long> Statuses, long Errors)
{
    /// <summary>Requests sent.</summary>
    public long Total => Statuses.Values.Sum() + Errors;
}
