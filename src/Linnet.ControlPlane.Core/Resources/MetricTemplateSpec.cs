namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A MetricTemplate's spec: provider <c>prometheus</c> at <paramref name="Address"/>, the HTTP headers
/// sent with each query (Flagger's <c>provider.headers</c>, a header to its values), and the query with Flagger's
/// template variables (<see cref="MetricQueryTemplate"/>).</summary>
public sealed record MetricTemplateSpec(string Provider, Uri Address, IReadOnlyDictionary<string, IReadOnlyList<string>> Headers, string Query)
{
    /// <summary>Flagger's <c>provider.secretRef.name</c>: the secret (in the template's namespace) holding
    /// <c>token</c> (bearer) or <c>username</c> and <c>password</c> (basic auth) for the provider; in universal mode
    /// a folder of owner-only files, <c>&lt;data-dir&gt;/secrets/&lt;namespace&gt;/&lt;name&gt;/&lt;key&gt;</c>
    /// (a Kubernetes Secret mounted as a volume has the same shape). Null: no credentials.</summary>
    public string? SecretRef { get; init; }

    /// <inheritdoc />
    public bool Equals(MetricTemplateSpec? other) =>
        other is not null && Provider == other.Provider && Address == other.Address && Query == other.Query && SecretRef == other.SecretRef
        && Headers.Count == other.Headers.Count && Headers.All(h => other.Headers.TryGetValue(h.Key, out var v) && v.SequenceEqual(h.Value));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Provider, Address, Query);
}
