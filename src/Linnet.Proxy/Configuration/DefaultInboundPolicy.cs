namespace Linnet.Proxy.Configuration;

/// <summary>Linkerd's default inbound policies: what a port no Server covers admits, and what a Server admits
/// when no authorization allows the client (its <c>accessPolicy</c>).</summary>
internal enum DefaultInboundPolicy
{
    /// <summary>Every client, meshed or not (Linkerd's default).</summary>
    AllUnauthenticated,

    /// <summary>Clients with an mTLS identity.</summary>
    AllAuthenticated,

    /// <summary>Nobody.</summary>
    Deny,

    /// <summary>Everybody, but what would have been refused is counted and logged as audited.</summary>
    Audit,
}

/// <summary>Linkerd's names of the default policies (<see cref="Linnet.Api.Policy.DefaultInboundPolicies"/>, the one
/// list the control plane and the injector use too), both ways.</summary>
internal static class DefaultInboundPolicyNames
{
    /// <summary>Linkerd's name for <paramref name="policy"/>.</summary>
    public static string Name(DefaultInboundPolicy policy) => policy switch
    {
        DefaultInboundPolicy.AllUnauthenticated => Linnet.Api.Policy.DefaultInboundPolicies.AllUnauthenticated,
        DefaultInboundPolicy.AllAuthenticated => Linnet.Api.Policy.DefaultInboundPolicies.AllAuthenticated,
        DefaultInboundPolicy.Audit => Linnet.Api.Policy.DefaultInboundPolicies.Audit,
        _ => Linnet.Api.Policy.DefaultInboundPolicies.Deny,
    };

    /// <summary>The policy named <paramref name="name"/>; null for a name this proxy does not enforce.</summary>
    public static DefaultInboundPolicy? Parse(string name)
    {
        foreach (var policy in Enum.GetValues<DefaultInboundPolicy>())
        {
            if (Name(policy) == name)
            {
                return policy;
            }
        }

        return null;
    }
}
