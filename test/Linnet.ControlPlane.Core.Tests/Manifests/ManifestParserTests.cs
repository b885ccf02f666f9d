using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Tests.Manifests;

public sealed class ManifestParserTests
{
    private const string Service = """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: shop
          labels: { tier: front }
        spec:
          selector: { app: web }
          ports:
            - name: http
              port: 80
              targetPort: 8080
              appProtocol: http
            - port: 9090
        """;

    private const string Workload = """
        apiVersion: linnet.io/v1alpha1
        kind: Workload
        metadata:
          name: web
          namespace: shop
        spec:
          replicas: 2
          serviceAccount: web-sa
          command: /usr/bin/web
          args: ["--port", "8080"]
          env:
            - name: MODE
              value: fast
          ports: [8080, 9090]
          opaquePorts: [9090]
          version: "1.2"
        """;

    private const string Route = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: web-split
          namespace: shop
        spec:
          parentRefs:
            - name: web
              port: 80
          rules:
            - matches:
                - path: { type: PathPrefix, value: /api }
                  headers:
                    - { name: x-canary, value: "true" }
              backendRefs:
                - { name: web-v2, weight: 10 }
                - { name: web-v1, port: 80, weight: 90 }
        """;

    public static TheoryData<string, string, string> InvalidFields => new()
    {
        { Doc("v1", "Service", "spec: { selector: { app: web }, ports: [ { port: 0 } ] }"), "spec.ports[0].port", "0 is out of range 1..65535" },
        { Doc("v1", "Service", "spec: { selector: { app: web }, ports: [ { port: http } ] }"), "spec.ports[0].port", "'http' is not a whole number" },
        { Doc("v1", "Service", "spec: { selector: { app: web }, ports: [ { port: 80, appProtocol: ftp } ] }"), "spec.ports[0].appProtocol", "'ftp' is not one of: http, http2, grpc, opaque, tcp" },
        { Doc("v1", "Service", "spec: { selector: { app: web }, ports: [ { port: 80 }, { port: 80 } ] }"), "spec.ports[1].port", "80 is listed twice" },
        { Doc("v1", "Service", "spec: { selector: { app: web }, ports: [] }"), "spec.ports", "must list at least one port" },
        { Doc("v1", "Service", "spec: { selectr: { app: web }, ports: [ { port: 80 } ] }"), "spec.selectr", "unknown field (known: selector, ports, type, clusterIP)" },
        { Doc("v2", "Service", "spec: { ports: [ { port: 80 } ] }"), "apiVersion", "'v2' is not the version of Service (expected v1)" },
        { Doc("v1", "Service", "spec: { ports: [ { port: 80 } ] }\nstatus: { localPorts: { \"80\": \"20000\" } }"), "status", "is written by the control plane and cannot be applied" },
        { Doc("v1", "Gadget", "spec: {}"), "kind", "'Gadget' is not a known kind (known: Service, Workload, HTTPRoute, GRPCRoute, Server, AuthorizationPolicy, MeshTLSAuthentication, NetworkAuthentication, Canary, ReferenceGrant, MetricTemplate, AlertProvider, ImagePolicy)" },
        { Doc("linnet.io/v1alpha1", "Instance", "spec: { address: 127.0.0.2 }"), "kind", "Instance resources are written by the platform, not applied" },
        { Doc("linnet.io/v1alpha1", "Approval", "spec: { workload: web }"), "kind", "Approval resources are written by the control plane when an update needs votes, not applied (vote with `linnet approvals approve`)" },
        { Doc("linnet.io/v1alpha1", "ReleaseVerdict", "spec: { workload: web }"), "kind", "ReleaseVerdict resources are written by the control plane when a canary decides, not applied (forget rolled-back versions with `linnet image-updates clear`)" },
        { "apiVersion: v1\nkind: Service\nmetadata: { name: Web }\nspec: { ports: [ { port: 80 } ] }", "metadata.name", "'Web' must be a lowercase DNS label: a-z, 0-9 and '-', starting and ending with a letter or digit, at most 63 characters" },
        { "apiVersion: v1\nkind: Service\nmetadata: { name: web, resourceVersion: abc }\nspec: { ports: [ { port: 80 } ] }", "metadata.resourceVersion", "'abc' is not a resource version" },
        { Doc("linnet.io/v1alpha1", "Workload", "spec: { replicas: 5000, command: x }"), "spec.replicas", "5000 is out of range 0..1000" },
        { Doc("linnet.io/v1alpha1", "Workload", "spec: { replicas: 1 }"), "spec.command", "is required" },
        { Doc("linnet.io/v1alpha1", "Workload", "spec: { command: x, env: [ { name: 1BAD, value: v } ] }"), "spec.env[0].name", "'1BAD' is not a valid environment variable name" },
        { Doc("linnet.io/v1alpha1", "Workload", "spec: { command: x, ports: [ 70000 ] }"), "spec.ports[0]", "must be a port number 1..65535" },
        { Doc("gateway.networking.k8s.io/v1", "HTTPRoute", "spec: { rules: [] }"), "spec.parentRefs", "must name at least one Service" },
        { Doc("gateway.networking.k8s.io/v1", "HTTPRoute", "spec: { parentRefs: [ { name: web, kind: Gateway } ] }"), "spec.parentRefs[0].kind", "'/Gateway' is not supported: a mesh route's parent is a Service" },
        { Doc("gateway.networking.k8s.io/v1", "HTTPRoute", "spec: { parentRefs: [ { name: web } ], rules: [ { matches: [ { path: { type: Exact, value: api } } ] } ] }"), "spec.rules[0].matches[0].path.value", "'api' must start with '/'" },
        { Doc("gateway.networking.k8s.io/v1", "HTTPRoute", "spec: { parentRefs: [ { name: web } ], rules: [ { matches: [ { path: { type: Glob, value: /a } } ] } ] }"), "spec.rules[0].matches[0].path.type", "'Glob' is not one of: Exact, PathPrefix, RegularExpression" },
        { Doc("gateway.networking.k8s.io/v1", "HTTPRoute", "spec: { parentRefs: [ { name: web } ], rules: [ { backendRefs: [ { name: a, weight: 0 }, { name: b, weight: 0 } ] } ] }"), "spec.rules[0].backendRefs", "every weight is 0: no request could be routed" },
        { Doc("gateway.networking.k8s.io/v1", "HTTPRoute", "spec: { parentRefs: [ { name: web } ], rules: [ { backendRefs: [ { name: a, weight: -1 } ] } ] }"), "spec.rules[0].backendRefs[0].weight", "-1 is out of range 0..1000000" },
        { Doc("gateway.networking.k8s.io/v1", "HTTPRoute", "spec: { parentRefs: [ { name: web } ], rules: [ { timeout: { request: 1s } } ] }"), "spec.rules[0].timeout", "unknown field (known: matches, backendRefs, filters, timeouts)" },
    };

    [Fact]
    public void Parse_ValidMultiDocument_ReturnsEveryResourceInOrder()
    {
        var result = ManifestParser.Parse($"{Service}\n---\n{Workload}\n---\n{Route}\n", "shop.yaml");

        Assert.Empty(result.Errors);
        Assert.Equal(3, result.Resources.Count);
        var service = Assert.IsType<ServiceResource>(result.Resources[0]);
        Assert.Equal(new ResourceKey("Service", "shop", "web"), service.Key);
        Assert.Equal("front", service.Metadata.Labels["tier"]);
        Assert.Equal("web", service.Spec.Selector["app"]);
        Assert.Equal([new ServicePort("http", 80, 8080, "http"), new ServicePort(null, 9090, 9090, null)], service.Spec.Ports);
        Assert.Empty(service.Status.LocalPorts);

        var workload = Assert.IsType<WorkloadResource>(result.Resources[1]);
        Assert.Equal(
            new WorkloadSpec(2, "web-sa", "/usr/bin/web", ["--port", "8080"], [new EnvVar("MODE", "fast")], null, [8080, 9090], [9090], "1.2"),
            workload.Spec);

        var route = Assert.IsType<HttpRouteResource>(result.Resources[2]);
        Assert.Equal([new ParentRef("web", "shop", 80)], route.Spec.ParentRefs);
        var rule = Assert.Single(route.Spec.Rules);
        var match = Assert.Single(rule.Matches);
        Assert.Equal(new PathMatch("PathPrefix", "/api"), match.Path);
        Assert.Equal([new HeaderMatch("Exact", "x-canary", "true")], match.Headers);
        Assert.Equal([new BackendRef("web-v2", "shop", null, 10), new BackendRef("web-v1", "shop", 80, 90)], rule.BackendRefs);
    }

    [Fact]
    public void Parse_NoNamespace_DefaultsToDefault()
    {
        var result = ManifestParser.Parse(Doc("v1", "Service", "spec: { selector: { app: web }, ports: [ { port: 80 } ] }"), "s");

        Assert.Equal("default", Assert.Single(result.Resources).Metadata.Namespace);
    }

    [Theory]
    [MemberData(nameof(InvalidFields))]
    public void Parse_InvalidField_ReportsPathAndReason(string yaml, string path, string reason)
    {
        var result = ManifestParser.Parse(yaml, "bad.yaml");

        Assert.Empty(result.Resources);
        var error = Assert.Single(result.Errors);
        Assert.Equal(("bad.yaml", 1, path, reason), (error.Source, error.Document, error.Path, error.Reason));
    }

    [Fact]
    public void Parse_InvalidRegex_ReportsPathAndReason()
    {
        var yaml = Doc("gateway.networking.k8s.io/v1", "HTTPRoute",
            "spec: { parentRefs: [ { name: web } ], rules: [ { matches: [ { path: { type: RegularExpression, value: \"/a([\" } } ] } ] }");

        var result = ManifestParser.Parse(yaml, "bad.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal("spec.rules[0].matches[0].path.value", error.Path);
        Assert.StartsWith("'/a([' is not a valid regular expression: ", error.Reason, StringComparison.Ordinal);
        Assert.Equal("HTTPRoute/web", error.Resource);
    }

    [Fact]
    public void Parse_InvalidHeaderRegex_ReportsHeaderPath()
    {
        var yaml = Doc("gateway.networking.k8s.io/v1", "HTTPRoute",
            "spec: { parentRefs: [ { name: web } ], rules: [ { matches: [ { headers: [ { type: RegularExpression, name: x, value: \"*\" } ] } ] } ] }");

        var error = Assert.Single(ManifestParser.Parse(yaml, "bad.yaml").Errors);

        Assert.Equal("spec.rules[0].matches[0].headers[0].value", error.Path);
    }

    [Fact]
    public void Parse_InstanceWithImagePull_ReadsBackWhatTheWriterWrote()
    {
        var written = new InstanceResource
        {
            Metadata = new ObjectMeta { Name = "web-0", Namespace = "shop" },
            Spec = new InstanceSpec("web", "", "default", [8080], 4143, 4191, false, null)
            {
                Image = "127.0.0.1:5000/shop/web:1.0.0",
                Pull = new ImagePull("127.0.0.1:5000/shop/web:1.0.0", 1, 3, 5_000_000_000, 12_000_000_000, "registry said 503"),
            },
        };

        var json = ResourceWriter.ToJsonLine(written);
        var read = Assert.IsType<InstanceResource>(Assert.Single(ManifestParser.Parse(json, "store", ManifestOrigin.Store).Resources));

        Assert.Contains("\"pull\":{\"image\":\"127.0.0.1:5000/shop/web:1.0.0\",\"layersDone\":1,\"layers\":3,\"bytesDone\":5000000000,\"bytesTotal\":12000000000,\"error\":\"registry said 503\"}", json, StringComparison.Ordinal);
        Assert.Equal(written.Spec, read.Spec);
        Assert.False(read.Spec.Pull!.Complete);
    }

    [Fact]
    public void Parse_InstanceFromStore_IsAccepted()
    {
        var yaml = """
            apiVersion: linnet.io/v1alpha1
            kind: Instance
            metadata: { name: web-1, namespace: shop, resourceVersion: "7", generation: "2" }
            spec: { workload: web, address: 127.0.0.2, ports: [8080], proxyInboundPort: 4143, ready: true }
            """;

        var instance = Assert.IsType<InstanceResource>(Assert.Single(ManifestParser.Parse(yaml, "store", ManifestOrigin.Store).Resources));

        Assert.Equal(new InstanceSpec("web", "127.0.0.2", "default", [8080], 4143, 0, true, null), instance.Spec);
        Assert.Equal((7, 2), (instance.Metadata.ResourceVersion, instance.Metadata.Generation));
    }

    [Fact]
    public void Parse_DuplicateDocuments_ReportsSecondWithFirstDocument()
    {
        var result = ManifestParser.Parse($"{Service}\n---\n{Workload}\n---\n{Service}\n", "dup.yaml");

        Assert.Empty(result.Resources);
        var error = Assert.Single(result.Errors);
        Assert.Equal((3, "Service/web", "metadata.name", "Service/shop/web is also defined by document 1"), (error.Document, error.Resource, error.Path, error.Reason));
    }

    [Fact]
    public void Parse_YamlSyntaxErrorInFirstDocument_ReportsDocumentOne()
    {
        var result = ManifestParser.Parse("kind: [unclosed\n---\n" + Service, "broken.yaml");

        Assert.Equal(1, Assert.Single(result.Errors).Document);
    }

    [Fact]
    public void Parse_YamlSyntaxErrorInSecondDocument_ReportsDocumentTwoCountedFromOneAndLine()
    {
        var result = ManifestParser.Parse($"{Service}\n---\nkind: [unclosed\n", "broken.yaml");

        Assert.Empty(result.Resources);
        var error = Assert.Single(result.Errors);
        // Documents are numbered from 1 in every error, syntax errors included.
        Assert.Equal(2, error.Document);
        Assert.StartsWith("line ", error.Path, StringComparison.Ordinal);
        Assert.StartsWith("YAML syntax error: ", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OneBadDocumentAmongValid_YieldsNoResources()
    {
        var bad = Doc("v1", "Service", "spec: { ports: [ { port: 99999 } ] }");

        var result = ManifestParser.Parse($"{Service}\n---\n{bad}\n---\n{Route}\n", "mixed.yaml");

        Assert.False(result.IsValid);
        Assert.Empty(result.Resources);
        var error = Assert.Single(result.Errors);
        Assert.Equal((2, "spec.ports[0].port"), (error.Document, error.Path));
    }

    [Fact]
    public void Parse_EveryErrorInEveryDocument_IsReported()
    {
        var first = Doc("v1", "Service", "spec: { ports: [ { port: 0 } ], extra: 1 }");
        var second = Doc("linnet.io/v1alpha1", "Workload", "spec: { replicas: -1 }");

        var result = ManifestParser.Parse($"{first}\n---\n{second}\n", "many.yaml");

        Assert.Equal(
            [(1, "spec.ports[0].port"), (1, "spec.extra"), (2, "spec.replicas"), (2, "spec.command")],
            result.Errors.Select(e => (e.Document, e.Path)));
    }

    [Fact]
    public void Parse_Json_IsAccepted()
    {
        var json = """{"apiVersion":"v1","kind":"Service","metadata":{"name":"api"},"spec":{"selector":{"app":"api"},"ports":[{"port":80}]}}""";

        var service = Assert.IsType<ServiceResource>(Assert.Single(ManifestParser.Parse(json, "api.json").Resources));

        Assert.Equal(80, Assert.Single(service.Spec.Ports).Port);
    }

    private static string Doc(string apiVersion, string kind, string rest) =>
        $"apiVersion: {apiVersion}\nkind: {kind}\nmetadata: {{ name: web }}\n{rest}\n";
}
