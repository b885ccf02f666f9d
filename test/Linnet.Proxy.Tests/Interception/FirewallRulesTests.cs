using Linnet.Api.ProxyInit;

namespace Linnet.Proxy.Tests.Interception;

/// <summary>The rule set itself, against linkerd2-proxy-init's documented behaviour (its iptables reference and
/// <c>iptables.go</c>): chain names, order, and multiport groups of at most 15 port references.</summary>
public sealed class FirewallRulesTests
{
    [Fact]
    public void Commands_ManyIgnoredPorts_SplitIntoGroupsOfFifteenReferencesARangeCountingTwo()
    {
        // 14 single ports and a range: 14 + 2 = 16 references, over iptables' 15 → two RETURN rules.
        var ports = Enumerable.Range(1000, 14).Select(p => new PortRange(p, p)).Append(new PortRange(2000, 2010)).ToList();

        var commands = FirewallRules.Commands(new FirewallConfiguration { InboundProxyPort = 4143, OutboundProxyPort = 4140, OutboundPortsToIgnore = ports });

        var returns = commands.Where(c => c.Contains("multiport")).Select(c => c[c.ToList().IndexOf("--dports") + 1]).ToList();
        Assert.Equal([string.Join(",", Enumerable.Range(1000, 14)), "2000:2010"], returns);
    }

    [Fact]
    public void Commands_NoProxyUid_NoOwnerRuleAndLoopbackStillReturned()
    {
        var commands = FirewallRules.Commands(new FirewallConfiguration { InboundProxyPort = 4143, OutboundProxyPort = 4140, ProxyUid = -1 });

        Assert.DoesNotContain(commands, c => c.Contains("--uid-owner"));
        Assert.Contains(commands, c => c.SequenceEqual(["-w", "-t", "nat", "-A", "PROXY_INIT_OUTPUT", "-o", "lo", "-j", "RETURN", "-m", "comment", "--comment", "proxy-init/ignore-loopback"]));
        // The jumps into the chains come after the chains are filled, the OUTPUT one last.
        Assert.Equal(["-w", "-t", "nat", "-A", "OUTPUT", "-j", "PROXY_INIT_OUTPUT", "-m", "comment", "--comment", "proxy-init/install-proxy-init-output"], commands[^1]);
    }

    [Fact]
    public void Commands_PortsToRedirect_OnlyThoseRedirectedInbound()
    {
        var commands = FirewallRules.Commands(new FirewallConfiguration { InboundProxyPort = 4143, OutboundProxyPort = 4140, PortsToRedirect = [8080, 9090] });

        var inbound = commands.Where(c => c.Contains("PROXY_INIT_REDIRECT") && c.Contains("REDIRECT")).ToList();
        Assert.Equal(2, inbound.Count(c => c.Contains("--destination-port")));
        Assert.DoesNotContain(inbound, c => c.Contains("-A") && !c.Contains("--destination-port") && c.Contains("--to-port"));
    }

    [Theory]
    [InlineData("", FirewallState.None)]
    [InlineData(":PREROUTING ACCEPT [0:0]\n-A PREROUTING -j KUBE-SERVICES\n", FirewallState.None)]
    [InlineData(":PROXY_INIT_REDIRECT - [0:0]\n", FirewallState.Partial)]
    [InlineData(":PROXY_INIT_REDIRECT - [0:0]\n-A PREROUTING -m comment --comment \"x\" -j PROXY_INIT_REDIRECT\n", FirewallState.Partial)]
    [InlineData(":PROXY_INIT_OUTPUT - [0:0]\n-A OUTPUT -m comment --comment \"proxy-init/install-proxy-init-output\" -j PROXY_INIT_OUTPUT\n", FirewallState.Complete)]
    public void Inspect_SavedRules_State(string saved, FirewallState expected) =>
        Assert.Equal(expected, FirewallRules.Inspect(saved));

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("10-5")]
    [InlineData("a")]
    [InlineData(" , ")]
    public void ParseList_Invalid_Refused(string value)
    {
        Assert.Null(PortRange.ParseList(value, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void ParseList_PortsAndRanges_Parsed() =>
        Assert.Equal([new PortRange(25, 25), new PortRange(8000, 8100)], PortRange.ParseList(" 25, 8000-8100 ,", out _));
}
