using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Linnet.Platform.Kubernetes.Injection;
using Linnet.Platform.Kubernetes.Yaml;
using Linnet.Proxy.Configuration;

namespace Linnet.Platform.Kubernetes.Tests.Injection;

public sealed partial class ProxyInjectorTests
{
    private static readonly Dictionary<string, string> NoAnnotations = [];

    private static JsonObject Pod(string annotations = "{}", string extra = "") => (JsonObject)ManifestYaml.Read($$"""
        apiVersion: v1
        kind: Pod
        metadata: { name: web-5d8f7-abcde, namespace: shop, annotations: {{annotations}} }
        spec:
          serviceAccountName: web
          containers: [ { name: web, image: example/web:1 } ]
          {{extra}}
        """)[0]!;

    [Fact]
    public void Mutate_AdmissionPodWithoutAnnotationInPlainNamespace_Skipped()
    {
        var result = ProxyInjector.Mutate(Pod(), NoAnnotations, InjectFixture.Settings, explicitRequest: false);

        Assert.Equal(InjectionOutcome.Skipped, result.Outcome);
        Assert.Equal("neither the pod nor its namespace has linkerd.io/inject: enabled", result.Reason);
        Assert.Empty(result.Patch);
    }

    [Fact]
    public void Mutate_AdmissionNamespaceEnabled_Injected()
    {
        var result = ProxyInjector.Mutate(Pod(), new Dictionary<string, string> { ["linkerd.io/inject"] = "enabled" }, InjectFixture.Settings, explicitRequest: false);

        Assert.Equal(InjectionOutcome.Injected, result.Outcome);
    }

    [Fact]
    public void Mutate_PodDisabledInEnabledNamespace_SkippedAsThePodSays()
    {
        var result = ProxyInjector.Mutate(Pod("{ linkerd.io/inject: disabled }"), new Dictionary<string, string> { ["linkerd.io/inject"] = "enabled" }, InjectFixture.Settings, explicitRequest: false);

        Assert.Equal(InjectionOutcome.Skipped, result.Outcome);
        Assert.Equal("linkerd.io/inject is disabled", result.Reason);
    }

    [Fact]
    public void Mutate_LinnetAnnotationBesideLinkerds_LinnetsWins()
    {
        var result = ProxyInjector.Mutate(Pod("{ linkerd.io/inject: enabled, linnet.io/inject: disabled }"), NoAnnotations, InjectFixture.Settings, explicitRequest: false);

        Assert.Equal(InjectionOutcome.Skipped, result.Outcome);
        Assert.Equal("linnet.io/inject is disabled", result.Reason);
    }

    [Fact]
    public void Mutate_HostNetwork_Skipped()
    {
        var result = ProxyInjector.Mutate(Pod(extra: "hostNetwork: true"), NoAnnotations, InjectFixture.Settings, explicitRequest: true);

        Assert.Equal(InjectionOutcome.Skipped, result.Outcome);
        Assert.Contains("host's network", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Mutate_UnknownConfigAnnotationOnTheNamespace_RefusedNamingTheNamespace()
    {
        var result = ProxyInjector.Mutate(Pod("{ linkerd.io/inject: enabled }"), new Dictionary<string, string> { ["config.linkerd.io/proxy-gadget"] = "on" }, InjectFixture.Settings, explicitRequest: false);

        Assert.Equal(InjectionOutcome.Refused, result.Outcome);
        Assert.Equal("namespace.metadata.annotations[config.linkerd.io/proxy-gadget]", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Mutate_PodAnnotationOverridesTheNamespaces()
    {
        var result = ProxyInjector.Mutate(
            Pod("{ config.linkerd.io/proxy-log-level: error }"),
            new Dictionary<string, string> { ["config.linkerd.io/proxy-log-level"] = "debug" },
            InjectFixture.Settings,
            explicitRequest: true);

        Assert.Equal(InjectionOutcome.Injected, result.Outcome);
        var pod = Pod("{ config.linkerd.io/proxy-log-level: error }");
        JsonPatch.Apply(pod, result.Patch);
        Assert.Contains(pod["spec"]!["initContainers"]![1]!["env"]!.AsArray(), e => (string?)e!["name"] == "Logging__LogLevel__Default" && (string?)e["value"] == "Error");
    }

    [Fact]
    public async Task Mutate_PatchAppliedByKubectlPatchLocal_SameAsOurs()
    {
        var pod = Pod(extra: "volumes: [ { name: cache, emptyDir: {} } ]\n  initContainers: [ { name: setup, image: example/setup:1 } ]");
        var result = ProxyInjector.Mutate(pod, NoAnnotations, InjectFixture.Settings, explicitRequest: true);
        Assert.Equal(InjectionOutcome.Injected, result.Outcome);
        var file = Path.Combine(Path.GetTempPath(), $"linnet-pod-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, pod.ToJsonString(), TestContext.Current.CancellationToken);
        try
        {
            var patched = JsonNode.Parse(await Kubectl.RunAsync("patch", "--local", "-f", file, "--type=json", "-p", result.Patch.ToJsonString(), "-o", "json"))!;

            var ours = (JsonObject)pod.DeepClone();
            JsonPatch.Apply(ours, result.Patch);
            Assert.True(JsonNode.DeepEquals(ours, patched), $"ours:    {ours.ToJsonString()}\nkubectl: {patched.ToJsonString()}");
            Assert.Equal(["linnet-init", "linnet-proxy", "setup"], patched["spec"]!["initContainers"]!.AsArray().Select(c => (string)c!["name"]!));
            Assert.Equal(["cache", "linnet-proxy-init-xtables-lock", "linnet-identity-token"], patched["spec"]!["volumes"]!.AsArray().Select(c => (string)c!["name"]!));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Mutate_InjectedProxyConfig_IsValidForTheProxyOnceTheKubeletFillsItIn()
    {
        var pod = Pod("{ config.linkerd.io/opaque-ports: \"5432\", config.linkerd.io/admin-port: \"4192\" }");
        var result = ProxyInjector.Mutate(pod, NoAnnotations, InjectFixture.Settings, explicitRequest: true);
        JsonPatch.Apply(pod, result.Patch);

        var (bootstrap, services) = ProxyConfigOf(pod);

        Assert.Empty(services);
        Assert.Equal("spiffe://cluster.local/ns/shop/sa/web", bootstrap.Identity!.Name);
        Assert.Equal("linnet-dst.linnet.svc.cluster.local:8086", bootstrap.ControlPlaneAddress);
        Assert.Equal("spiffe://cluster.local/ns/linnet/sa/control-plane", bootstrap.ControlPlaneIdentity);
        Assert.Equal(4192, bootstrap.AdminListen.Port);
        Assert.True(bootstrap.TransparentMode);
        Assert.Contains(5432, bootstrap.InboundOpaquePorts);
        Assert.Equal("shop", bootstrap.Workload.Namespace);
        Assert.Equal("web-5d8f7-abcde", bootstrap.Workload.Pod);
        Assert.Equal(DefaultInboundPolicy.AllUnauthenticated, bootstrap.DefaultInboundPolicy);
    }

    /// <summary>Linkerd's injector gives the proxy the pod's effective <c>config.linkerd.io/default-inbound-policy</c>
    /// (the pod's, else its namespace's, else the install's) as <c>LINKERD2_PROXY_INBOUND_DEFAULT_POLICY</c>, which the
    /// proxy enforces until discovery answers; Linnet's proxy takes it as <c>inbound.defaultPolicy</c>.</summary>
    [Theory]
    [InlineData("{}", "deny", null, nameof(DefaultInboundPolicy.Deny))]
    [InlineData("{}", "all-authenticated", null, nameof(DefaultInboundPolicy.AllAuthenticated))]
    [InlineData("{ config.linkerd.io/default-inbound-policy: all-authenticated }", "deny", null, nameof(DefaultInboundPolicy.AllAuthenticated))]
    [InlineData("{ config.linkerd.io/default-inbound-policy: deny }", null, null, nameof(DefaultInboundPolicy.Deny))]
    [InlineData("{}", null, "audit", nameof(DefaultInboundPolicy.Audit))]
    [InlineData("{}", "deny", "audit", nameof(DefaultInboundPolicy.Deny))]
    public void Mutate_DefaultInboundPolicy_ProxyConfigCarriesThePodsEffectivePolicy(string podAnnotations, string? namespacePolicy, string? installDefault, string expected)
    {
        var namespaceAnnotations = new Dictionary<string, string> { ["linkerd.io/inject"] = "enabled" };
        if (namespacePolicy is not null)
        {
            namespaceAnnotations["config.linkerd.io/default-inbound-policy"] = namespacePolicy;
        }

        var settings = installDefault is null ? InjectFixture.Settings : InjectFixture.Settings with { DefaultInboundPolicy = installDefault };
        var pod = Pod(podAnnotations);
        var result = ProxyInjector.Mutate(pod, namespaceAnnotations, settings, explicitRequest: false);
        JsonPatch.Apply(pod, result.Patch);

        Assert.Equal(InjectionOutcome.Injected, result.Outcome);
        Assert.Equal(Enum.Parse<DefaultInboundPolicy>(expected), ProxyConfigOf(pod).Bootstrap.DefaultInboundPolicy);
    }

    /// <summary>The proxy container's config as the proxy reads it once the kubelet has filled in its variables.</summary>
    private static (BootstrapConfig Bootstrap, IReadOnlyList<ServiceConfig> Services) ProxyConfigOf(JsonObject pod)
    {
        var env = pod["spec"]!["initContainers"]![1]!["env"]!.AsArray();

        // The kubelet: fieldRef variables from the pod, then $(VAR) in later values expanded from earlier ones.
        var values = new Dictionary<string, string>();
        foreach (var variable in env)
        {
            var name = (string)variable!["name"]!;
            values[name] = variable["valueFrom"]?["fieldRef"]?["fieldPath"] is { } field
                ? field.GetValue<string>() switch { "metadata.name" => "web-5d8f7-abcde", "metadata.namespace" => "shop", "spec.serviceAccountName" => "web", var f => throw new InvalidOperationException(f) }
                : Reference().Replace((string)variable["value"]!, m => values.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
        }

        return ConfigFileLoader.Parse(values["LINNET_PROXY_CONFIG"], "LINNET_PROXY_CONFIG");
    }

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();
}
