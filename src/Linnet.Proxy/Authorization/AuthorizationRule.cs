using System.Net;
using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Authorization;

/// <summary>One compiled authorization (or the default policy acting as one), with its metric labels
/// rendered once.</summary>
internal sealed class AuthorizationRule
{
    private readonly IdentityMatchConfig[]? _identities;
    private readonly NetworkMatchConfig[]? _networks;

    internal AuthorizationRule(string name, bool isDefault, IdentityMatchConfig[]? identities, NetworkMatchConfig[]? networks)
    {
        Name = name;
        IsDefault = isDefault;
        _identities = identities;
        _networks = networks;
        MetricLabels = isDefault
            ? $"authz_group=\"\",authz_kind=\"default\",authz_name=\"{name}\""
            : $"authz_group=\"policy.linkerd.io\",authz_kind=\"authorizationpolicy\",authz_name=\"{InboundServerRules.Escape(name)}\"";
    }

    /// <summary>The AuthorizationPolicy's name, or the default policy's (<c>all-unauthenticated</c>, <c>audit</c>…).</summary>
    public string Name { get; }

    /// <summary>True for a default policy rather than an AuthorizationPolicy.</summary>
    public bool IsDefault { get; }

    internal string MetricLabels { get; }

    internal bool Matches(string? identity, IPAddress? remote)
    {
        if (_identities is not null)
        {
            if (identity is null)
            {
                return false;
            }

            var any = false;
            foreach (var match in _identities)
            {
                if (match.Matches(identity))
                {
                    any = true;
                    break;
                }
            }

            if (!any)
            {
                return false;
            }
        }

        if (_networks is not null)
        {
            if (remote is null)
            {
                return false;
            }

            foreach (var network in _networks)
            {
                if (network.Contains(remote))
                {
                    return true;
                }
            }

            return false;
        }

        return true;
    }
}
