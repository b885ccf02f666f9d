using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Authorization;

/// <summary>A compiled Server (or the default policy for ports no Server covers): its authorizations in
/// order, then what applies when none allows the client.</summary>
internal sealed class InboundServerRules
{
    internal InboundServerRules(string name, bool isDefault, AuthorizationRule[] rules, DefaultInboundPolicy fallback)
    {
        Name = name;
        IsDefault = isDefault;
        Rules = rules;
        Fallback = fallback;
        FallbackRule = fallback switch
        {
            DefaultInboundPolicy.AllUnauthenticated => new AuthorizationRule(PolicyName(fallback), true, null, null),
            DefaultInboundPolicy.AllAuthenticated => new AuthorizationRule(PolicyName(fallback), true, [IdentityMatchConfig.Any], null),
            DefaultInboundPolicy.Audit => new AuthorizationRule(PolicyName(fallback), true, null, null),
            _ => null,
        };
        MetricLabels = isDefault
            ? $"srv_group=\"\",srv_kind=\"default\",srv_name=\"{name}\""
            : $"srv_group=\"policy.linkerd.io\",srv_kind=\"server\",srv_name=\"{Escape(name)}\"";
    }

    /// <summary>The Server's name, or the default policy's.</summary>
    public string Name { get; }

    /// <summary>True for the default policy of ports no Server covers.</summary>
    public bool IsDefault { get; }

    internal AuthorizationRule[] Rules { get; }

    internal DefaultInboundPolicy Fallback { get; }

    /// <summary>The rule that admits what no authorization allows; null when that is denied.</summary>
    internal AuthorizationRule? FallbackRule { get; }

    internal string MetricLabels { get; }

    /// <summary>Linkerd's name for a default policy.</summary>
    public static string PolicyName(DefaultInboundPolicy policy) => DefaultInboundPolicyNames.Name(policy);

    internal static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
