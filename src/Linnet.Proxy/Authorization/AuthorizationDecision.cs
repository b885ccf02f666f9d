namespace Linnet.Proxy.Authorization;

/// <summary>The outcome for one request or connection: the server that covers the port, and the rule that
/// allowed it (null: denied).</summary>
internal readonly record struct AuthorizationDecision(InboundServerRules Server, AuthorizationRule? Rule)
{
    /// <summary>Allowed (possibly only audited).</summary>
    public bool Allowed => Rule is not null;

    /// <summary>Allowed only because the policy is <c>audit</c>: it would otherwise have been refused.</summary>
    public bool Audited => Rule is { IsDefault: true } rule && rule.Name == "audit";

    /// <summary>Why it was refused, for <c>l5d-proxy-error</c> and logs (built only for refusals).</summary>
    public string DenialReason(string? identity)
    {
        var who = identity is null ? "a client without an identity (plaintext)" : $"identity '{identity}'";
        var by = Server.IsDefault ? $"the default policy '{Server.Name}'" : $"server '{Server.Name}'";
        return $"unauthorized: {who} is not allowed by {by}";
    }
}
