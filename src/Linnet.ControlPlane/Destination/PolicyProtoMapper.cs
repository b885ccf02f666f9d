using Linnet.Api.Policy;
using Linnet.ControlPlane.Core.Policy;
using Linnet.ControlPlane.Core.Resources;
using Proto = Linnet.Api.Destination.V1;

namespace Linnet.ControlPlane.Destination;

/// <summary>Inbound policies between the core's <see cref="InboundPolicyView"/> and the wire.</summary>
internal static class PolicyProtoMapper
{
    /// <summary>The wire form of <paramref name="view"/>.</summary>
    public static Proto.InboundPolicy ToProto(InboundPolicyView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var policy = new Proto.InboundPolicy { DefaultPolicy = ToProto(view.DefaultPolicy) };
        foreach (var server in view.Servers)
        {
            var message = new Proto.InboundServer { Name = server.Name, ProxyProtocol = server.ProxyProtocol, AccessPolicy = ToProto(server.AccessPolicy) };
            message.Ports.AddRange(server.Ports);
            foreach (var authorization in server.Authorizations)
            {
                var authz = new Proto.Authorization { Name = authorization.Name, RequireIdentity = authorization.Identities is not null };
                foreach (var identity in authorization.Identities ?? [])
                {
                    authz.Identities.Add(identity.Kind switch
                    {
                        IdentityMatchKind.Any => new Proto.IdentityMatch { Any = true },
                        IdentityMatchKind.Prefix => new Proto.IdentityMatch { Prefix = identity.Value },
                        _ => new Proto.IdentityMatch { Exact = identity.Value },
                    });
                }

                foreach (var network in authorization.Networks ?? [])
                {
                    var net = new Proto.Network { Cidr = network.Cidr };
                    net.Except.AddRange(network.Except);
                    authz.Networks.Add(net);
                }

                message.Authorizations.Add(authz);
            }

            policy.Servers.Add(message);
        }

        return policy;
    }

    /// <summary>The core form of a wire policy (for tests and tools that read what was sent).</summary>
    public static InboundPolicyView FromProto(Proto.InboundPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var servers = new List<InboundServerView>();
        foreach (var server in policy.Servers)
        {
            var authorizations = new List<AuthorizationView>();
            foreach (var authz in server.Authorizations)
            {
                var identities = authz.RequireIdentity
                    ? authz.Identities.Select(i => i.MatchCase switch
                    {
                        Proto.IdentityMatch.MatchOneofCase.Any => IdentityMatch.Any,
                        Proto.IdentityMatch.MatchOneofCase.Prefix => new IdentityMatch(IdentityMatchKind.Prefix, i.Prefix),
                        _ => new IdentityMatch(IdentityMatchKind.Exact, i.Exact),
                    }).ToList()
                    : null;
                var networks = authz.Networks.Count > 0 ? authz.Networks.Select(n => new NetworkRule(n.Cidr, [.. n.Except])).ToList() : null;
                authorizations.Add(new AuthorizationView(authz.Name, identities, networks));
            }

            servers.Add(new InboundServerView(server.Name, [.. server.Ports], server.ProxyProtocol, FromProto(server.AccessPolicy), authorizations));
        }

        return new InboundPolicyView(FromProto(policy.DefaultPolicy), servers);
    }

    public static Proto.DefaultPolicy ToProto(string name) => name switch
    {
        DefaultInboundPolicies.AllUnauthenticated => Proto.DefaultPolicy.AllUnauthenticated,
        DefaultInboundPolicies.AllAuthenticated => Proto.DefaultPolicy.AllAuthenticated,
        DefaultInboundPolicies.Audit => Proto.DefaultPolicy.Audit,
        _ => Proto.DefaultPolicy.Deny,
    };

    public static string FromProto(Proto.DefaultPolicy policy) => policy switch
    {
        Proto.DefaultPolicy.AllUnauthenticated => DefaultInboundPolicies.AllUnauthenticated,
        Proto.DefaultPolicy.AllAuthenticated => DefaultInboundPolicies.AllAuthenticated,
        Proto.DefaultPolicy.Audit => DefaultInboundPolicies.Audit,
        _ => DefaultInboundPolicies.Deny,
    };

    /// <summary>A copy of <paramref name="shared"/> (a message other subscribers are sent too, so never changed)
    /// that also carries <paramref name="policy"/>. The services are the same message objects, not copies.</summary>
    public static Proto.ConfigUpdate WithPolicy(Proto.ConfigUpdate shared, Proto.InboundPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(shared);
        var update = new Proto.ConfigUpdate { Version = shared.Version, Snapshot = shared.Snapshot, InboundPolicy = policy };
        update.Services.AddRange(shared.Services);
        update.RemovedServices.AddRange(shared.RemovedServices);
        return update;
    }
}
