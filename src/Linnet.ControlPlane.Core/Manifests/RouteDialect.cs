namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>What a route's apiVersion allows: Gateway API's HTTPRoute, or one of Linkerd's
/// <c>policy.linkerd.io</c> versions of it (fewer filters; <c>timeouts</c> from v1beta3 on).</summary>
internal sealed record RouteDialect(string ApiVersion, IReadOnlyList<string> FilterTypes, bool Timeouts)
{
    /// <summary>Where the filters are, for the refusal of an unsupported type (null: a rule's filters).</summary>
    public string? Where { get; init; }
}
