using System.Text.Json.Nodes;
using Linnet.Api.ProxyInit;
using Linnet.Platform.Kubernetes.Injection;
using Linnet.Platform.Kubernetes.Yaml;
using Linnet.Proxy.ProxyInit;

namespace Linnet.Platform.Kubernetes.Tests.Injection;

/// <summary>The injected <c>linnet-init</c> container runs Linkerd's proxy-init; <c>linnet-proxy init</c> takes the same
/// command line, and reads the injected arguments into the rules Linkerd's proxy-init installs for the same annotations
/// (Linkerd's defaults: inbound 4143 except 4190, the admin port 4191 and Galera's 4567-4568, outbound 4140 except
/// 4567-4568, proxy uid 2102; the skip-*-ports annotations replace the Galera defaults, as in Linkerd's injector).
/// <c>ProxyInitTests</c> (Linnet.Proxy.Tests) runs that mode in a network namespace.</summary>
public sealed class ProxyInitArgumentsTests
{
    private static JsonObject InitContainer(string annotations)
    {
        var pod = (JsonObject)ManifestYaml.Read($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: web-0, namespace: shop, annotations: {{annotations}} }
            spec:
              serviceAccountName: web
              containers: [ { name: web, image: example/web:1 } ]
            """)[0]!;
        var result = ProxyInjector.Mutate(pod, new Dictionary<string, string>(), InjectFixture.Settings, explicitRequest: true);
        Assert.Equal(InjectionOutcome.Injected, result.Outcome);
        JsonPatch.Apply(pod, result.Patch);
        var init = pod["spec"]!["initContainers"]![0]!.AsObject();
        Assert.Equal(ProxyInjector.InitContainer, (string?)init["name"]);
        return init;
    }

    [Fact]
    public void InitContainer_Defaults_LinkerdsRules()
    {
        var init = InitContainer("{}");
        var args = init["args"]!.AsArray().Select(a => (string)a!).ToList();

        var (configuration, errors) = ProxyInitCommand.Parse(args);

        Assert.Empty(errors);
        Assert.NotNull(configuration);
        Assert.Equal(4143, configuration.InboundProxyPort);
        Assert.Equal(4140, configuration.OutboundProxyPort);
        Assert.Equal(2102, configuration.ProxyUid);
        Assert.Equal([new PortRange(4190, 4190), new PortRange(4191, 4191), new PortRange(4567, 4567), new PortRange(4568, 4568)], configuration.InboundPortsToIgnore);
        Assert.Equal([new PortRange(4567, 4567), new PortRange(4568, 4568)], configuration.OutboundPortsToIgnore);
        Assert.Empty(configuration.PortsToRedirect);
        // iptables needs NET_ADMIN and NET_RAW: added, everything else dropped.
        Assert.Equal(["NET_ADMIN", "NET_RAW"], init["securityContext"]!["capabilities"]!["add"]!.AsArray().Select(c => (string)c!));
    }

    [Fact]
    public void InitContainer_SkipPortAnnotationsAndOwnPorts_HonouredByTheRules()
    {
        var init = InitContainer("""
            { config.linkerd.io/skip-inbound-ports: "9090,10000-10010", config.linkerd.io/skip-outbound-ports: "3306, 6379",
              config.linkerd.io/skip-subnets: "10.0.0.0/8, 192.168.1.0/24",
              config.linkerd.io/proxy-uid: "3000", config.linkerd.io/inbound-port: "5143", config.linkerd.io/outbound-port: "5140", config.linkerd.io/admin-port: "5191" }
            """);
        var args = init["args"]!.AsArray().Select(a => (string)a!).ToList();

        var (configuration, errors) = ProxyInitCommand.Parse(args);

        Assert.Empty(errors);
        Assert.NotNull(configuration);
        Assert.Equal(5143, configuration.InboundProxyPort);
        Assert.Equal(5140, configuration.OutboundProxyPort);
        Assert.Equal(3000, configuration.ProxyUid);
        Assert.Equal([new PortRange(4190, 4190), new PortRange(5191, 5191), new PortRange(9090, 9090), new PortRange(10000, 10010)], configuration.InboundPortsToIgnore);
        Assert.Equal([new PortRange(3306, 3306), new PortRange(6379, 6379)], configuration.OutboundPortsToIgnore);
        Assert.Equal(["10.0.0.0/8", "192.168.1.0/24"], configuration.SubnetsToIgnore.Select(n => n.ToString()));
    }

    [Fact]
    public void Parse_Ipv6True_RefusedNamingTheFlag()
    {
        // proxy-init's --ipv6 (default true) adds ip6tables rules; linnet-proxy init installs IPv4 rules only.
        var (configuration, errors) = ProxyInitCommand.Parse(["--incoming-proxy-port", "4143", "--outgoing-proxy-port", "4140", "--ipv6=true"]);

        Assert.Null(configuration);
        Assert.StartsWith("--ipv6: true is not supported", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.1", "'10.0.0.1' is not a CIDR range")]
    [InlineData("fd00::/8", "'fd00::/8' is IPv6")]
    [InlineData(",", "lists no subnet")]
    public void Mutate_InvalidSkipSubnets_RefusedWithPathAndReason(string value, string reason)
    {
        var pod = (JsonObject)ManifestYaml.Read($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: web-0, namespace: shop, annotations: { config.linkerd.io/skip-subnets: "{{value}}" } }
            spec: { containers: [ { name: web, image: example/web:1 } ] }
            """)[0]!;

        var result = ProxyInjector.Mutate(pod, new Dictionary<string, string>(), InjectFixture.Settings, explicitRequest: true);

        Assert.Equal(InjectionOutcome.Refused, result.Outcome);
        var error = Assert.Single(result.Errors);
        Assert.Equal("metadata.annotations[config.linkerd.io/skip-subnets]", error.Path);
        Assert.StartsWith(reason, error.Reason, StringComparison.Ordinal);
    }
}
