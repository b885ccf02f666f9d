using System.Text.Json.Nodes;
using Linnet.Platform.Kubernetes.Injection;
using Linnet.Platform.Kubernetes.Yaml;

namespace Linnet.Platform.Kubernetes.Tests.Injection;

/// <summary>The injected <c>linnet-init</c> container is Linkerd's proxy-init as Linkerd 2.19's chart writes it for an
/// injected pod with the chart's default values (charts/linkerd-control-plane/values.yaml <c>proxyInit</c>: image
/// <c>cr.l5d.io/linkerd/proxy-init:v2.4.3</c>, <c>iptablesMode: nft</c>, <c>ignoreInboundPorts</c>/<c>ignoreOutboundPorts</c>
/// "4567,4568", <c>runAsRoot: false</c>, <c>runAsUser</c>/<c>runAsGroup</c> 65534, <c>xtMountPath</c> /run;
/// <c>disableIPv6: true</c>; partials/_proxy-init.tpl and _volumes.tpl), and the annotations Linkerd's injector reads
/// override it as they do there.</summary>
public sealed class ProxyInitContainerTests
{
    /// <summary>Every flag linkerd2-proxy-init's command declares (proxy-init/cmd/root.go).</summary>
    private static readonly string[] ProxyInitFlags =
    [
        "--incoming-proxy-port", "--outgoing-proxy-port", "--proxy-uid", "--proxy-gid", "--ports-to-redirect", "--inbound-ports-to-ignore",
        "--outbound-ports-to-ignore", "--subnets-to-ignore", "--simulate", "--netns", "--use-wait-flag", "--timeout-close-wait-secs",
        "--log-format", "--log-level", "--iptables-mode", "--ipv6", "--firewall-bin-path", "--firewall-save-bin-path",
    ];

    private static JsonObject Injected(string annotations = "{}", InjectionSettings? settings = null, string namespaceAnnotation = "")
    {
        var pod = (JsonObject)ManifestYaml.Read($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: web-0, namespace: shop, annotations: {{annotations}} }
            spec:
              serviceAccountName: web
              containers: [ { name: web, image: example/web:1 } ]
            """)[0]!;
        var namespaceAnnotations = namespaceAnnotation.Length == 0
            ? new Dictionary<string, string>()
            : new Dictionary<string, string> { [namespaceAnnotation.Split('=')[0]] = namespaceAnnotation.Split('=')[1] };
        var result = ProxyInjector.Mutate(pod, namespaceAnnotations, settings ?? InjectFixture.Settings, explicitRequest: true);
        Assert.Equal(InjectionOutcome.Injected, result.Outcome);
        JsonPatch.Apply(pod, result.Patch);
        return pod;
    }

    private static JsonObject Init(JsonObject pod) => pod["spec"]!["initContainers"]![0]!.AsObject();

    private static List<string> Args(JsonObject init) => [.. init["args"]!.AsArray().Select(a => (string)a!)];

    [Fact]
    public void Mutate_Defaults_LinkerdsProxyInitImageAndArguments()
    {
        var init = Init(Injected());

        Assert.Equal("linnet-init", (string?)init["name"]);
        Assert.Equal("cr.l5d.io/linkerd/proxy-init:v2.4.3", (string?)init["image"]);
        Assert.Equal("IfNotPresent", (string?)init["imagePullPolicy"]);
        // The image's entrypoint is proxy-init: arguments only, no command.
        Assert.Null(init["command"]);
        Assert.Equal(
            [
                "--firewall-bin-path", "iptables-nft", "--firewall-save-bin-path", "iptables-nft-save", "--ipv6=false",
                "--incoming-proxy-port", "4143", "--outgoing-proxy-port", "4140", "--proxy-uid", "2102",
                "--inbound-ports-to-ignore", "4190,4191,4567,4568", "--outbound-ports-to-ignore", "4567,4568",
            ],
            Args(init));
        Assert.Equal("FallbackToLogsOnError", (string?)init["terminationMessagePolicy"]);
        // The proxy's resources are proxy-init's: none set, none written.
        Assert.Null(init["resources"]);
    }

    [Fact]
    public void Mutate_Defaults_EveryFlagIsOneProxyInitDeclares()
    {
        var flags = Args(Init(Injected("""{ config.linkerd.io/skip-subnets: "10.0.0.0/8" }"""))).Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a.Split('=')[0]).ToList();

        Assert.Contains("--subnets-to-ignore", flags);
        Assert.All(flags, flag => Assert.Contains(flag, ProxyInitFlags));
    }

    [Fact]
    public void Mutate_Defaults_LinkerdsSecurityContextAndXtablesLockVolume()
    {
        var pod = Injected();
        var init = Init(pod);
        var security = init["securityContext"]!.AsObject();

        Assert.False((bool)security["allowPrivilegeEscalation"]!);
        Assert.Equal(["NET_ADMIN", "NET_RAW"], security["capabilities"]!["add"]!.AsArray().Select(c => (string)c!));
        Assert.False((bool)security["privileged"]!);
        Assert.True((bool)security["runAsNonRoot"]!);
        Assert.Equal(65534, (int)security["runAsUser"]!);
        Assert.Equal(65534, (int)security["runAsGroup"]!);
        Assert.True((bool)security["readOnlyRootFilesystem"]!);
        Assert.Equal("RuntimeDefault", (string?)security["seccompProfile"]!["type"]);

        var mount = Assert.Single(init["volumeMounts"]!.AsArray())!;
        Assert.Equal("/run", (string?)mount["mountPath"]);
        var volume = pod["spec"]!["volumes"]!.AsArray().Single(v => (string?)v!["name"] == (string?)mount["name"])!;
        Assert.Equal("linnet-proxy-init-xtables-lock", (string?)volume["name"]);
        Assert.Empty(volume["emptyDir"]!.AsObject());
    }

    [Fact]
    public void Mutate_InitImageAnnotations_OverrideRepositoryAndTag()
    {
        Assert.Equal("registry.example/mirror/proxy-init:v2.4.3", (string?)Init(Injected("{ config.linkerd.io/init-image: registry.example/mirror/proxy-init }"))["image"]);
        Assert.Equal("localhost:5000/proxy-init:v2.4.3", (string?)Init(Injected("{ config.linkerd.io/init-image: \"localhost:5000/proxy-init\" }"))["image"]);
        Assert.Equal("cr.l5d.io/linkerd/proxy-init:v2.4.9", (string?)Init(Injected("{ config.linkerd.io/init-image-version: v2.4.9 }"))["image"]);
        // The namespace's annotation applies to its pods, and the pod's own wins over it.
        Assert.Equal("cr.l5d.io/linkerd/proxy-init:v2.4.8", (string?)Init(Injected(namespaceAnnotation: "config.linkerd.io/init-image-version=v2.4.8"))["image"]);
        Assert.Equal("cr.l5d.io/linkerd/proxy-init:v2.4.9", (string?)Init(Injected("{ config.linkerd.io/init-image-version: v2.4.9 }", namespaceAnnotation: "config.linkerd.io/init-image-version=v2.4.8"))["image"]);
    }

    [Fact]
    public void Mutate_InstallsInitImage_UsedAndNotTheProxys()
    {
        var pod = Injected(settings: InjectFixture.Settings with { InitImage = "registry.example/proxy-init:v9" });

        Assert.Equal("registry.example/proxy-init:v9", (string?)Init(pod)["image"]);
        Assert.Equal("linnet/proxy:0.1.0", (string?)pod["spec"]!["initContainers"]![1]!["image"]);
    }

    [Fact]
    public void Mutate_PullPolicyAndResources_ApplyToProxyInitAsToTheProxy()
    {
        var init = Init(Injected("{ config.linkerd.io/image-pull-policy: Always, config.linkerd.io/proxy-cpu-request: 100m, config.linkerd.io/proxy-memory-limit: 250Mi }"));

        Assert.Equal("Always", (string?)init["imagePullPolicy"]);
        Assert.Equal("100m", (string?)init["resources"]!["requests"]!["cpu"]);
        Assert.Equal("250Mi", (string?)init["resources"]!["limits"]!["memory"]);
    }

    [Fact]
    public void Mutate_SkipPortsAnnotations_ReplaceLinkerdsDefaults()
    {
        var args = Args(Init(Injected("""{ config.linkerd.io/skip-inbound-ports: "9090", config.linkerd.io/skip-outbound-ports: "3306" }""")));

        Assert.Equal("4190,4191,9090", args[args.IndexOf("--inbound-ports-to-ignore") + 1]);
        Assert.Equal("3306", args[args.IndexOf("--outbound-ports-to-ignore") + 1]);
    }

    [Theory]
    [InlineData("config.linkerd.io/init-image", "cr.l5d.io/linkerd/proxy-init@sha256:0123", "is not an image name (give the repository; the tag is init-image-version)")]
    [InlineData("config.linkerd.io/init-image", "\"\"", "is not an image name")]
    [InlineData("config.linkerd.io/init-image", "cr.l5d.io/linkerd/proxy-init:v2.4.3", "is not an image name (give the repository; the tag is init-image-version)")]
    [InlineData("config.linkerd.io/proxy-image", "linnet/proxy:v2", "is not an image name (give the repository; the tag is proxy-version)")]
    [InlineData("config.linkerd.io/init-image-version", "v2.4.3:bad", "is not an image tag")]
    public void Mutate_InvalidImageAnnotation_RefusedWithPathAndReason(string annotation, string value, string reason)
    {
        var pod = (JsonObject)ManifestYaml.Read($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: web-0, namespace: shop, annotations: { {{annotation}}: {{value}} } }
            spec: { containers: [ { name: web, image: example/web:1 } ] }
            """)[0]!;

        var result = ProxyInjector.Mutate(pod, new Dictionary<string, string>(), InjectFixture.Settings, explicitRequest: true);

        Assert.Equal(InjectionOutcome.Refused, result.Outcome);
        Assert.Empty(result.Patch);
        var error = Assert.Single(result.Errors);
        Assert.Equal($"metadata.annotations[{annotation}]", error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }
}
