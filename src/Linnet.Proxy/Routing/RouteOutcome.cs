namespace Linnet.Proxy.Routing;

/// <summary>What route evaluation decided for a request.</summary>
internal enum RouteOutcome
{
    /// <summary>A rule applied and chose a backend service.</summary>
    Routed,

    /// <summary>The service has routes but none of their rules applies (Gateway API: 404).</summary>
    NoRuleMatched,

    /// <summary>The rule that applied has no usable backend: every weight is 0, or the backend chosen names
    /// no service in the snapshot (Gateway API: 500).</summary>
    InvalidBackend,

    /// <summary>The rule that applied answers with a redirect (Gateway API <c>RequestRedirect</c>).</summary>
    Redirect,
}
