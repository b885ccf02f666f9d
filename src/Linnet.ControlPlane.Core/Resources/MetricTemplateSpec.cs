namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A MetricTemplate's spec: provider <c>prometheus</c> at <paramref name="Address"/>, the HTTP headers
/// sent with each query (Flagger's <c>provider.headers</c>, a header to its values), and the query with Flagger's
/// template variables (<see cref="MetricQueryTemplate"/>).</summary>
public sealed record MetricTemplateSpec(string Provider, Uri Address, IReadOnlyDictionary<string, IReadOnlyList<string>> Headers, string Query)
{
    /// <inheritdoc />
    public bool Equals(MetricTemplateSpec? other) =>
        other is not null && Provider == other.Provider && Address == other.Address && Query == other.Query
        && Headers.Count == other.Headers.Count && Headers.All(h => other.Headers.TryGetValue(h.Key, out var v) && v.SequenceEqual(h.Value));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Provider, Address, Query);
}
