namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A rule's filters, at most one of each type (the manifest lists them as Gateway API
/// <c>filters</c> entries, Linnet's as types <c>LinnetFaultInjection</c> and <c>LinnetRetry</c>).</summary>
public sealed record RouteFilters
{
    /// <summary>No filters.</summary>
    public static RouteFilters None { get; } = new();

    /// <summary>Gateway API <c>RequestHeaderModifier</c>.</summary>
    public HeaderModifier? RequestHeaderModifier { get; init; }

    /// <summary>Gateway API <c>ResponseHeaderModifier</c>.</summary>
    public HeaderModifier? ResponseHeaderModifier { get; init; }

    /// <summary>Gateway API <c>RequestMirror</c>.</summary>
    public RequestMirror? RequestMirror { get; init; }

    /// <summary>Linnet's <c>LinnetFaultInjection</c>.</summary>
    public FaultInjection? FaultInjection { get; init; }

    /// <summary>Linnet's <c>LinnetRetry</c>.</summary>
    public RetryPolicy? Retry { get; init; }

    /// <summary>Gateway API <c>URLRewrite</c> (HTTPRoute only).</summary>
    public UrlRewrite? UrlRewrite { get; init; }

    /// <summary>Gateway API <c>RequestRedirect</c> (HTTPRoute only; the rule then has no backends).</summary>
    public RequestRedirect? RequestRedirect { get; init; }
}
