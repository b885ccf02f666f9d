using System.Net;
using Linnet.Proxy.Authorization;
using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Tests.Authorization;

/// <summary>The evaluator, called with an identity directly: exact, <c>*</c>, suffix wildcards (prefixes on
/// SPIFFE ids), unauthenticated policies, networks, and every default policy.</summary>
public sealed class CompiledInboundPolicyTests
{
    private const string Web = "spiffe://cluster.local/ns/shop/sa/web";
    private const string Cron = "spiffe://cluster.local/ns/batch/sa/cron";
    private const string Stranger = "spiffe://cluster.local/ns/other/sa/x";
    private static readonly IPAddress Loopback = IPAddress.Loopback;

    private static CompiledInboundPolicy WithServer(params AuthorizationConfig[] authorizations) => CompiledInboundPolicy.Compile(new InboundPolicyConfig(
        DefaultInboundPolicy.AllUnauthenticated,
        [new InboundServerConfig("backend-http", [8080], DefaultInboundPolicy.Deny, authorizations)]));

    [Theory]
    [InlineData(Web, true)]
    [InlineData(Cron, true)]
    [InlineData(Stranger, false)]
    [InlineData(null, false)]
    public void Evaluate_ExactAndPrefix_AllowsOnlyListedIdentities(string? identity, bool allowed)
    {
        var policy = WithServer(new AuthorizationConfig("web-and-batch",
            [new IdentityMatchConfig(IdentityMatchType.Exact, Web), new IdentityMatchConfig(IdentityMatchType.Prefix, "spiffe://cluster.local/ns/batch/sa/")], null));

        var decision = policy.Evaluate(8080, identity, Loopback);

        Assert.Equal(allowed, decision.Allowed);
        Assert.Equal("backend-http", decision.Server.Name);
        Assert.Equal(allowed ? "web-and-batch" : null, decision.Rule?.Name);
    }

    [Fact]
    public void Evaluate_PrefixOfOtherNamespace_DoesNotMatchLongerNamespaceName()
    {
        var policy = WithServer(new AuthorizationConfig("shop", [new IdentityMatchConfig(IdentityMatchType.Prefix, "spiffe://cluster.local/ns/shop/sa/")], null));

        Assert.False(policy.Evaluate(8080, "spiffe://cluster.local/ns/shop-2/sa/web", Loopback).Allowed);
        Assert.True(policy.Evaluate(8080, Web, Loopback).Allowed);
    }

    [Fact]
    public void Evaluate_AnyIdentity_AllowsEveryAuthenticatedButNotPlaintext()
    {
        var policy = WithServer(new AuthorizationConfig("meshed", [IdentityMatchConfig.Any], null));

        Assert.True(policy.Evaluate(8080, Stranger, Loopback).Allowed);
        Assert.False(policy.Evaluate(8080, null, Loopback).Allowed);
    }

    [Fact]
    public void Evaluate_NoAuthenticationRequired_AllowsPlaintext()
    {
        var policy = WithServer(new AuthorizationConfig("anyone", null, null));

        Assert.Equal("anyone", policy.Evaluate(8080, null, Loopback).Rule?.Name);
    }

    [Fact]
    public void Evaluate_ServerWithoutAuthorizations_DeniesEverybodyWithReasonNamingServer()
    {
        var policy = WithServer();

        var decision = policy.Evaluate(8080, Web, Loopback);

        Assert.False(decision.Allowed);
        Assert.Equal($"unauthorized: identity '{Web}' is not allowed by server 'backend-http'", decision.DenialReason(Web));
    }

    [Fact]
    public void Evaluate_NetworkRequirement_AllowsOnlyAddressesInsideAndNotExcepted()
    {
        var policy = WithServer(new AuthorizationConfig("local", null, [new NetworkMatchConfig(IPNetwork.Parse("127.0.0.0/8"), [IPNetwork.Parse("127.0.0.99/32")])]));

        Assert.True(policy.Evaluate(8080, null, IPAddress.Parse("127.0.0.5")).Allowed);
        Assert.True(policy.Evaluate(8080, null, IPAddress.Parse("::ffff:127.0.0.5")).Allowed);
        Assert.False(policy.Evaluate(8080, null, IPAddress.Parse("127.0.0.99")).Allowed);
        Assert.False(policy.Evaluate(8080, null, IPAddress.Parse("10.0.0.1")).Allowed);
        Assert.False(policy.Evaluate(8080, null, null).Allowed);
    }

    [Theory]
    [InlineData(nameof(DefaultInboundPolicy.AllUnauthenticated), null, true, false)]
    [InlineData(nameof(DefaultInboundPolicy.AllAuthenticated), null, false, false)]
    [InlineData(nameof(DefaultInboundPolicy.AllAuthenticated), Web, true, false)]
    [InlineData(nameof(DefaultInboundPolicy.Deny), Web, false, false)]
    [InlineData(nameof(DefaultInboundPolicy.Audit), null, true, true)]
    public void Evaluate_PortWithoutServer_DefaultPolicyDecides(string policyName, string? identity, bool allowed, bool audited)
    {
        // By name: the proxy's types are internal, a public test method cannot take one.
        var policy = Enum.Parse<DefaultInboundPolicy>(policyName);
        var compiled = CompiledInboundPolicy.Compile(new InboundPolicyConfig(policy, [new InboundServerConfig("other", [9090], DefaultInboundPolicy.Deny, [])]));

        var decision = compiled.Evaluate(8080, identity, Loopback);

        Assert.Equal((allowed, audited), (decision.Allowed, decision.Audited));
        Assert.True(decision.Server.IsDefault);
        Assert.Equal(InboundServerRules.PolicyName(policy), decision.Server.Name);
    }

    [Fact]
    public void Evaluate_ServerAccessPolicyAudit_UnauthorizedAllowedAsAuditedAuthorizedNot()
    {
        var compiled = CompiledInboundPolicy.Compile(new InboundPolicyConfig(DefaultInboundPolicy.Deny,
            [new InboundServerConfig("api", [8080], DefaultInboundPolicy.Audit, [new AuthorizationConfig("web", [new IdentityMatchConfig(IdentityMatchType.Exact, Web)], null)])]));

        var stranger = compiled.Evaluate(8080, Stranger, Loopback);
        var web = compiled.Evaluate(8080, Web, Loopback);

        Assert.True(stranger.Allowed);
        Assert.True(stranger.Audited);
        Assert.Equal("web", web.Rule?.Name);
        Assert.False(web.Audited);
    }

    [Fact]
    public void Evaluate_PlaintextDeniedByDefault_ReasonSaysNoIdentity()
    {
        var compiled = CompiledInboundPolicy.Compile(InboundPolicyConfig.Uniform(DefaultInboundPolicy.AllAuthenticated));

        var decision = compiled.Evaluate(8080, null, Loopback);

        Assert.Equal("unauthorized: a client without an identity (plaintext) is not allowed by the default policy 'all-authenticated'", decision.DenialReason(null));
    }
}
