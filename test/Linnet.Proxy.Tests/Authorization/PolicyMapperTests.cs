using Linnet.Proxy.Authorization;
using Linnet.Proxy.ControlPlane;
using Proto = Linnet.Api.Destination.V1;
using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Tests.Authorization;

/// <summary>The control plane's InboundPolicy message into the proxy's config.</summary>
public sealed class PolicyMapperTests
{
    [Fact]
    public void ToConfig_FullPolicy_EveryFieldMapped()
    {
        var server = new Proto.InboundServer { Name = "web-http", AccessPolicy = Proto.DefaultPolicy.Audit, ProxyProtocol = "HTTP/1" };
        server.Ports.Add(8080);
        var meshed = new Proto.Authorization { Name = "meshed", RequireIdentity = true };
        meshed.Identities.Add(new Proto.IdentityMatch { Exact = "spiffe://cluster.local/ns/a/sa/b" });
        meshed.Identities.Add(new Proto.IdentityMatch { Prefix = "spiffe://cluster.local/ns/c/sa/" });
        meshed.Identities.Add(new Proto.IdentityMatch { Any = true });
        var local = new Proto.Authorization { Name = "local" };
        local.Networks.Add(new Proto.Network { Cidr = "127.0.0.0/8", Except = { "127.0.0.9" } });
        server.Authorizations.Add(meshed);
        server.Authorizations.Add(local);
        var policy = new Proto.InboundPolicy { DefaultPolicy = Proto.DefaultPolicy.AllAuthenticated, Servers = { server } };
        var problems = new List<string>();

        var config = PolicyMapper.ToConfig(policy, problems);

        Assert.Empty(problems);
        Assert.Equal(DefaultInboundPolicy.AllAuthenticated, config.Default);
        var s = Assert.Single(config.Servers);
        Assert.Equal(("web-http", 8080, DefaultInboundPolicy.Audit), (s.Name, Assert.Single(s.Ports), s.AccessPolicy));
        Assert.Equal(
            [new IdentityMatchConfig(IdentityMatchType.Exact, "spiffe://cluster.local/ns/a/sa/b"), new IdentityMatchConfig(IdentityMatchType.Prefix, "spiffe://cluster.local/ns/c/sa/"), IdentityMatchConfig.Any],
            s.Authorizations[0].Identities!);
        Assert.Null(s.Authorizations[0].Networks);
        Assert.Null(s.Authorizations[1].Identities);
        var network = Assert.Single(s.Authorizations[1].Networks!);
        Assert.Equal("127.0.0.9/32", Assert.Single(network.Except).ToString());
    }

    [Fact]
    public void ToConfig_BadCidr_AuthorizationDroppedAndReported()
    {
        var authz = new Proto.Authorization { Name = "broken" };
        authz.Networks.Add(new Proto.Network { Cidr = "not-a-network" });
        var policy = new Proto.InboundPolicy { Servers = { new Proto.InboundServer { Name = "s", Ports = { 80 }, Authorizations = { authz } } } };
        var problems = new List<string>();

        var config = PolicyMapper.ToConfig(policy, problems);

        Assert.Empty(Assert.Single(config.Servers).Authorizations);
        Assert.Contains("not-a-network", Assert.Single(problems), StringComparison.Ordinal);
        Assert.Equal(DefaultInboundPolicy.AllUnauthenticated, config.Default);
        Assert.Equal(DefaultInboundPolicy.Deny, config.Servers[0].AccessPolicy);
    }
}
