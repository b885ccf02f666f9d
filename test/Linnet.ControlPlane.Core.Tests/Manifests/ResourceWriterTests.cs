using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Core.Tests.Manifests;

public sealed class ResourceWriterTests
{
    private const string Manifests = """
        apiVersion: v1
        kind: Service
        metadata: { name: web, namespace: shop, labels: { tier: front }, annotations: { note: "a: b" } }
        spec:
          selector: { app: web }
          ports: [ { name: http, port: 80, targetPort: 8080, appProtocol: http }, { port: 9090 } ]
        ---
        apiVersion: linnet.io/v1alpha1
        kind: Workload
        metadata: { name: web, namespace: shop, labels: { app: web } }
        spec:
          replicas: 3
          serviceAccount: web-sa
          command: /bin/web
          args: ["--x", "y z"]
          env: [ { name: A, value: "1" }, { name: B, value: "" } ]
          workingDir: /srv
          ports: [8080, 9090]
          opaquePorts: [9090]
          version: "2.0"
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: split, namespace: shop }
        spec:
          parentRefs: [ { name: web }, { name: web, namespace: other, port: 80 } ]
          rules:
            - matches:
                - path: { type: RegularExpression, value: "^/v[0-9]+/" }
                  headers: [ { type: RegularExpression, name: x-user, value: "^a.*" }, { name: x-b, value: "1" } ]
                - path: { type: Exact, value: /health }
              backendRefs: [ { name: web-v1, weight: 1 }, { name: web-v2, namespace: other, port: 8080, weight: 0 } ]
            - backendRefs: [ { name: web } ]
        ---
        apiVersion: linnet.io/v1alpha1
        kind: Instance
        metadata: { name: web-1, namespace: shop, labels: { app: web } }
        spec: { workload: web, address: 127.0.0.9, serviceAccount: web-sa, ports: [8080, 9090], proxyInboundPort: 4143, proxyAdminPort: 4191, ready: true, version: "2.0",
                restarts: 2, lastExit: { process: app, exitCode: 3, reason: "Error: exited with code 3", at: "2026-12-03T22:00:00.125Z" } }
        ---
        apiVersion: linnet.io/v1alpha1
        kind: Approval
        metadata: { name: web-0a1b2c3d4e, namespace: shop }
        spec: { workload: web, identifier: "workload/shop/web:1.3.0", currentImage: "r.io/shop/web:1.2.0", newImage: "r.io/shop/web:1.3.0@sha256:1111111111111111111111111111111111111111111111111111111111111111",
                votesRequired: 2, deadline: "2026-12-04T10:00:00Z", createdAt: "2026-12-03T10:00:00Z", updatedAt: "2026-12-03T11:00:00.5Z",
                voters: { alice: "2026-12-03T11:00:00.5Z" }, state: pending }
        ---
        apiVersion: linnet.io/v1alpha1
        kind: ReleaseVerdict
        metadata: { name: web-0a1b2c3d4e, namespace: shop }
        spec: { workload: web, canary: web, image: "r.io/shop/web:1.3.0", verdict: rolledBack, reasons: ["Halt advancement request-success-rate 50.00 < 99"], at: "2026-12-03T12:00:00Z" }
        """;

    [Fact]
    public async Task ToJsonLine_EveryKindStored_ParsesBackToEqualResource()
    {
        using var store = new InMemoryResourceStore();
        var parsed = ManifestParser.Parse(Manifests, "in", ManifestOrigin.Store);
        Assert.Empty(parsed.Errors);
        var resources = parsed.Resources.Select(r => r is ServiceResource s ? s with { Status = new ServiceStatus(new Dictionary<int, int> { [80] = 20000, [9090] = 20001 }) } : r);
        var committed = await store.CommitAsync(resources.Select(r => (StoreChange)new PutChange(r)).ToList(), TestContext.Current.CancellationToken);

        foreach (var stored in committed.Results)
        {
            var line = ResourceWriter.ToJsonLine(stored!);
            var reread = Assert.Single(ManifestParser.Parse(line, "store", ManifestOrigin.Store).Resources);

            Assert.Equal(stored!.GetType(), reread.GetType());
            Assert.True(stored.ContentEquals(reread), $"{stored.Key} changed in the round trip: {line}");
            Assert.Equal((1, 1), (reread.Metadata.ResourceVersion, reread.Metadata.Generation));
        }

        Assert.Equal(6, committed.Results.Count);
    }

    [Fact]
    public void ToJson_Service_HasKubernetesShape()
    {
        var service = (ServiceResource)ManifestParser.Parse(Manifests, "in", ManifestOrigin.Store).Resources[0];
        service = service with { Status = new ServiceStatus(new Dictionary<int, int> { [80] = 20000 }) };

        var json = ResourceWriter.ToJson(service);

        Assert.Equal("v1", (string?)json["apiVersion"]);
        Assert.Equal("Service", (string?)json["kind"]);
        Assert.Equal("shop", (string?)json["metadata"]!["namespace"]);
        Assert.Equal("front", (string?)json["metadata"]!["labels"]!["tier"]);
        Assert.Equal(8080, (int?)json["spec"]!["ports"]![0]!["targetPort"]);
        Assert.Equal("20000", (string?)json["status"]!["localPorts"]!["80"]);
        Assert.IsType<JsonObject>(json["spec"]!["selector"]);
    }
}
