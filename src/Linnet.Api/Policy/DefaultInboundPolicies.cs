namespace Linnet.Api.Policy;

/// <summary>Linkerd's default inbound policies, by the names users write in
/// <c>config.linkerd.io/default-inbound-policy</c> and in a Server's <c>accessPolicy</c>.</summary>
public static class DefaultInboundPolicies
{
    /// <summary>The annotation on a Workload that sets its default policy.</summary>
    public const string Annotation = "config.linkerd.io/default-inbound-policy";

    /// <summary>Every client, meshed or not. Linkerd's (and Linnet's) mesh-wide default.</summary>
    public const string AllUnauthenticated = "all-unauthenticated";

    /// <summary>Only clients with an mTLS identity.</summary>
    public const string AllAuthenticated = "all-authenticated";

    /// <summary>Nobody.</summary>
    public const string Deny = "deny";

    /// <summary>Everybody, but what the policy would not have allowed is counted and logged as audited.</summary>
    public const string Audit = "audit";

    /// <summary>All names, in the order documented.</summary>
    public static IReadOnlyList<string> All { get; } = [AllUnauthenticated, AllAuthenticated, Deny, Audit];

    /// <summary>True for a known name.</summary>
    public static bool IsKnown(string? name) => name is AllUnauthenticated or AllAuthenticated or Deny or Audit;

    /// <summary>The reason a name is refused (Linkerd's cluster-* policies need cluster networks, which Linnet
    /// does not have).</summary>
    public static string Unknown(string name) => name is "cluster-authenticated" or "cluster-unauthenticated"
        ? $"'{name}' is not supported: Linnet has no cluster networks (use all-authenticated or all-unauthenticated)"
        : $"'{name}' is not one of: {string.Join(", ", All)}";
}
