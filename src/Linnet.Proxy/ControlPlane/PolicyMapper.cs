using System.Net;
using Linnet.Proxy.Authorization;
using Proto = Linnet.Api.Destination.V1;
using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.ControlPlane;

/// <summary>Maps the control plane's <c>InboundPolicy</c> message to <see cref="InboundPolicyConfig"/>. What cannot
/// be read is reported and fails closed: an authorization with a bad network is dropped (it allows nobody).</summary>
internal static class PolicyMapper
{
    public static InboundPolicyConfig ToConfig(Proto.InboundPolicy policy, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(problems);
        var servers = new List<InboundServerConfig>(policy.Servers.Count);
        foreach (var server in policy.Servers)
        {
            var authorizations = new List<AuthorizationConfig>(server.Authorizations.Count);
            foreach (var authz in server.Authorizations)
            {
                if (ToConfig(authz, problems, server.Name) is { } config)
                {
                    authorizations.Add(config);
                }
            }

            servers.Add(new InboundServerConfig(server.Name, [.. server.Ports], ToConfig(server.AccessPolicy, DefaultInboundPolicy.Deny), authorizations));
        }

        // The services this instance serves, read as any service is (one mapper of routes): their rules classify only.
        var services = new List<ServiceConfig>(policy.Services.Count);
        foreach (var inbound in policy.Services)
        {
            var service = new Proto.Service { Key = inbound.Key, Port = inbound.Port };
            service.Names.Add(inbound.Names);
            service.Routes.Add(inbound.Routes);
            if (DestinationMapper.ToServiceConfig(service, problems) is { } config)
            {
                services.Add(config);
            }
        }

        return new InboundPolicyConfig(ToConfig(policy.DefaultPolicy, DefaultInboundPolicy.AllUnauthenticated), servers) { Services = services };
    }

    private static AuthorizationConfig? ToConfig(Proto.Authorization authz, List<string> problems, string server)
    {
        List<IdentityMatchConfig>? identities = null;
        if (authz.RequireIdentity)
        {
            identities = new List<IdentityMatchConfig>(authz.Identities.Count);
            foreach (var identity in authz.Identities)
            {
                identities.Add(identity.MatchCase switch
                {
                    Proto.IdentityMatch.MatchOneofCase.Any => IdentityMatchConfig.Any,
                    Proto.IdentityMatch.MatchOneofCase.Prefix => new IdentityMatchConfig(IdentityMatchType.Prefix, identity.Prefix),
                    _ => new IdentityMatchConfig(IdentityMatchType.Exact, identity.Exact),
                });
            }
        }

        List<NetworkMatchConfig>? networks = null;
        if (authz.Networks.Count > 0)
        {
            networks = new List<NetworkMatchConfig>(authz.Networks.Count);
            foreach (var network in authz.Networks)
            {
                if (!IPNetwork.TryParse(network.Cidr, out var cidr) && !TryHost(network.Cidr, out cidr))
                {
                    problems.Add($"server '{server}', authorization '{authz.Name}': '{network.Cidr}' is not a CIDR; the authorization is ignored");
                    return null;
                }

                var except = new List<IPNetwork>(network.Except.Count);
                foreach (var text in network.Except)
                {
                    if (!IPNetwork.TryParse(text, out var excluded) && !TryHost(text, out excluded))
                    {
                        problems.Add($"server '{server}', authorization '{authz.Name}': '{text}' is not a CIDR; the authorization is ignored");
                        return null;
                    }

                    except.Add(excluded);
                }

                networks.Add(new NetworkMatchConfig(cidr, except));
            }
        }

        return new AuthorizationConfig(authz.Name, identities, networks);
    }

    private static bool TryHost(string text, out IPNetwork network)
    {
        network = default;
        if (!IPAddress.TryParse(text, out var address))
        {
            return false;
        }

        network = new IPNetwork(address, address.GetAddressBytes().Length * 8);
        return true;
    }

    private static DefaultInboundPolicy ToConfig(Proto.DefaultPolicy policy, DefaultInboundPolicy unspecified) => policy switch
    {
        Proto.DefaultPolicy.AllUnauthenticated => DefaultInboundPolicy.AllUnauthenticated,
        Proto.DefaultPolicy.AllAuthenticated => DefaultInboundPolicy.AllAuthenticated,
        Proto.DefaultPolicy.Deny => DefaultInboundPolicy.Deny,
        Proto.DefaultPolicy.Audit => DefaultInboundPolicy.Audit,
        _ => unspecified,
    };
}
