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
