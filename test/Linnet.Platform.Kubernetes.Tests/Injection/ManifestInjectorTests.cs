using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Tests.Translation;
using Linnet.Platform.Kubernetes.Injection;
using Linnet.Platform.Kubernetes.Yaml;

namespace Linnet.Platform.Kubernetes.Tests.Injection;

public sealed class ManifestInjectorTests
{
    [Theory]
    [InlineData("deployment", "deployment \"web\" injected")]
    [InlineData("overrides", "statefulset \"db\" injected")]
    [InlineData("pod-with-init", "pod \"worker\" injected")]
    [InlineData("disabled", "cronjob \"report\" skipped: linkerd.io/inject is disabled")]
    public void Inject_Manifest_MatchesGoldenFile(string name, string report)
    {
        var input = File.ReadAllText(Repository.Asset($"inject/{name}.input.yaml"));

        var result = ManifestInjector.Inject(input, name, InjectFixture.Settings);

        Assert.Empty(result.Errors);
        Assert.Equal([report], result.Report);
        GoldenFile.AssertMatches(Repository.Asset($"inject/{name}.golden.yaml"), result.Output);
    }

    [Fact]
    public void Inject_KeelAnnotations_ValidOnADeploymentKept_OtherKindsAndInvalidValuesSaidNotActedOn()
    {
        const string input = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels: { app: web, keel.sh/policy: minor }
              annotations: { keel.sh/trigger: poll, keel.sh/pollSchedule: "@every 5m" }
            spec:
              selector: { matchLabels: { app: web } }
              template:
                metadata: { labels: { app: web } }
                spec:
                  containers: [ { name: web, image: "registry.example/web:1.2.3" } ]
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: db
              annotations: { keel.sh/policy: patch }
            spec:
              selector: { matchLabels: { app: db } }
              template:
                metadata: { labels: { app: db } }
                spec:
                  containers: [ { name: db, image: "registry.example/db:15.1.0" } ]
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: bad
              annotations: { keel.sh/policy: sometimes }
            spec:
              selector: { matchLabels: { app: bad } }
              template:
                metadata: { labels: { app: bad } }
                spec:
                  containers: [ { name: bad, image: "registry.example/bad:1.0.0" } ]

            """;

        var result = ManifestInjector.Inject(input, "keel", InjectFixture.Settings);

        // The valid Deployment's are acted on by the control plane on the cluster: nothing to say. A StatefulSet's are
        // not (Linnet updates Deployments), an invalid value is not: both said, with the reason.
        Assert.Empty(result.Errors);
        Assert.Equal(5, result.Report.Count);
        Assert.Equal("deployment \"web\" injected", result.Report[0]);
        Assert.StartsWith("statefulset \"db\": keel.sh/policy not acted on by Linnet on Kubernetes (Linnet updates the images of Deployments only", result.Report[1], StringComparison.Ordinal);
        Assert.Equal("statefulset \"db\" injected", result.Report[2]);
        Assert.StartsWith("deployment \"bad\": metadata.annotations.keel.sh/policy: 'sometimes' is not a Keel policy", result.Report[3], StringComparison.Ordinal);
        Assert.Equal("deployment \"bad\" injected", result.Report[4]);
        // The annotations stay (for the control plane, and for Keel).
        var web = ManifestYaml.Read(result.Output)[0]!;
        Assert.Equal("poll", (string?)web["metadata"]!["annotations"]!["keel.sh/trigger"]);
    }

    [Fact]
    public void Inject_Deployment_ProxyIsANativeSidecarAfterProxyInitWithTheTokenVolume()
    {
        var output = Inject("deployment");
        var spec = Template(output, "Deployment")["spec"]!;
        var init = spec["initContainers"]!.AsArray();

        Assert.Equal(["linnet-init", "linnet-proxy"], init.Select(c => (string)c!["name"]!));
        Assert.Equal("Always", (string?)init[1]!["restartPolicy"]);
        Assert.Null(init[0]!["restartPolicy"]);
        // Linkerd's proxy-init with its chart's arguments (ProxyInitContainerTests holds them against the chart).
        Assert.Equal("cr.l5d.io/linkerd/proxy-init:v2.4.3", (string?)init[0]!["image"]);
        Assert.Equal(["--firewall-bin-path", "iptables-nft", "--firewall-save-bin-path", "iptables-nft-save", "--ipv6=false", "--incoming-proxy-port", "4143", "--outgoing-proxy-port", "4140", "--proxy-uid", "2102", "--inbound-ports-to-ignore", "4190,4191,4567,4568", "--outbound-ports-to-ignore", "4567,4568"], init[0]!["args"]!.AsArray().Select(a => (string)a!));
        Assert.Equal(["NET_ADMIN", "NET_RAW"], init[0]!["securityContext"]!["capabilities"]!["add"]!.AsArray().Select(a => (string)a!));
        Assert.Equal(2102L, (long)init[1]!["securityContext"]!["runAsUser"]!);
        Assert.Equal(["linnet-proxy-init-xtables-lock", "linnet-identity-token"], spec["volumes"]!.AsArray().Select(v => (string)v!["name"]!));
        var token = spec["volumes"]![1]!;
        Assert.Equal("linnet-identity-token", (string?)token["name"]);
        Assert.Equal("identity.linnet.io", (string?)token["projected"]!["sources"]![0]!["serviceAccountToken"]!["audience"]);
        Assert.Equal(["web"], spec["containers"]!.AsArray().Select(c => (string)c!["name"]!));
        // The Service beside it is printed unchanged.
        var service = ManifestYaml.Read(output).Cast<JsonObject>().Single(d => (string?)d["kind"] == "Service");
        Assert.True(JsonNode.DeepEquals(ManifestYaml.Read(File.ReadAllText(Repository.Asset("inject/deployment.input.yaml")))[0], service));
    }

    [Fact]
    public void Inject_Overrides_HonouredInInitArgsResourcesAndImage()
    {
        var spec = Template(Inject("overrides"), "StatefulSet")["spec"]!;
        var init = spec["initContainers"]![0]!;
        var proxy = spec["initContainers"]![1]!;

        Assert.Equal(["--firewall-bin-path", "iptables-nft", "--firewall-save-bin-path", "iptables-nft-save", "--ipv6=false", "--incoming-proxy-port", "4143", "--outgoing-proxy-port", "4140", "--proxy-uid", "3000", "--inbound-ports-to-ignore", "4190,4192,9999", "--outbound-ports-to-ignore", "3306,4000-4010"], init["args"]!.AsArray().Select(a => (string)a!));
        Assert.Equal("linnet/proxy:v2", (string?)proxy["image"]);
        Assert.Equal("registry.example/mirror/proxy-init:v2.4.3", (string?)init["image"]);
        Assert.Equal("Always", (string?)init["imagePullPolicy"]);
        Assert.Equal("Always", (string?)proxy["imagePullPolicy"]);
        Assert.Equal("100m", (string?)proxy["resources"]!["requests"]!["cpu"]);
        Assert.Equal("250Mi", (string?)proxy["resources"]!["limits"]!["memory"]);
        Assert.Equal(3000L, (long)proxy["securityContext"]!["runAsUser"]!);
        Assert.Equal(4192L, (long)proxy["readinessProbe"]!["httpGet"]!["port"]!);
        Assert.Contains(proxy["env"]!.AsArray(), e => (string?)e!["name"] == "Logging__LogLevel__Default" && (string?)e["value"] == "Debug");
    }

    [Theory]
    [InlineData("config.linkerd.io/proxy-cpu-requests: 100m", "config.linkerd.io/proxy-cpu-requests", "is not a proxy configuration annotation Linnet knows")]
    [InlineData("config.linkerd.io/enable-debug-sidecar: \"true\"", "config.linkerd.io/enable-debug-sidecar", "is not honoured: Linnet has no debug sidecar")]
    [InlineData("config.linkerd.io/opaque-ports: \"0\"", "config.linkerd.io/opaque-ports", "'0' is not a port 1..65535 or a range")]
    [InlineData("config.linkerd.io/skip-outbound-ports: \"5000-4000\"", "config.linkerd.io/skip-outbound-ports", "'5000-4000' is not a port 1..65535 or a range")]
    [InlineData("config.linkerd.io/proxy-memory-limit: lots", "config.linkerd.io/proxy-memory-limit", "'lots' is not a Kubernetes quantity")]
    [InlineData("config.linkerd.io/proxy-log-level: \"warn,linkerd=info\"", "config.linkerd.io/proxy-log-level", "per-module filters such as linkerd=info are not supported")]
    [InlineData("config.linkerd.io/image-pull-policy: Sometimes", "config.linkerd.io/image-pull-policy", "'Sometimes' is not one of: Always, IfNotPresent, Never")]
    [InlineData("config.linkerd.io/default-inbound-policy: everyone", "config.linkerd.io/default-inbound-policy", "everyone")]
    [InlineData("linkerd.io/inject: ingress", "linkerd.io/inject", "'ingress' mode is not supported")]
    [InlineData("linnet.io/inject: yes-please", "linnet.io/inject", "'yes-please' is not one of: enabled, disabled")]
    public void Inject_BadAnnotation_RefusedWithPathAndReasonAndNothingPrinted(string annotation, string name, string reason)
    {
        var input = $$"""
            apiVersion: v1
            kind: Service
            metadata: { name: first }
            spec: { ports: [ { port: 80 } ] }
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: web }
            spec:
              selector: { matchLabels: { app: web } }
              template:
                metadata:
                  labels: { app: web }
                  annotations:
                    {{annotation}}
                spec:
                  containers: [ { name: web, image: web } ]
            """;

        var result = ManifestInjector.Inject(input, "in.yaml", InjectFixture.Settings);

        Assert.Equal("", result.Output);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith($"in.yaml: document 2 (Deployment/web): spec.template.metadata.annotations[{name}]: ", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Inject_NotYaml_RefusedWithTheLine()
    {
        var result = ManifestInjector.Inject("kind: Pod\nmetadata: [\n", "broken.yaml", InjectFixture.Settings);

        Assert.Equal("", result.Output);
        Assert.StartsWith("broken.yaml: line ", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Inject_TwiceOverItsOwnOutput_SkipsAsAlreadyInjectedAndChangesNothing()
    {
        var once = Inject("deployment");

        var twice = ManifestInjector.Inject(once, "again", InjectFixture.Settings);

        Assert.Equal(["deployment \"web\" skipped: already injected"], twice.Report);
        Assert.Equal(once, twice.Output);
    }

    private static string Inject(string name)
    {
        var result = ManifestInjector.Inject(File.ReadAllText(Repository.Asset($"inject/{name}.input.yaml")), name, InjectFixture.Settings);
        Assert.Empty(result.Errors);
        return result.Output;
    }

    private static JsonNode Template(string output, string kind) =>
        ManifestYaml.Read(output).Cast<JsonObject>().Single(d => (string?)d["kind"] == kind)["spec"]!["template"]!;
}
