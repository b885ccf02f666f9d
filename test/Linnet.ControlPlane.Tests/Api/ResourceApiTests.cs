using System.Net;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Tests.Infrastructure;

namespace Linnet.ControlPlane.Tests.Api;

public sealed class ResourceApiTests : IAsyncLifetime
{
    private TestControlPlane _cp = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _cp = await TestControlPlane.StartAsync(Ct);

    public ValueTask DisposeAsync() => _cp.DisposeAsync();

    [Fact]
    public async Task Apply_ValidManifests_StoredWithDistinctLocalPorts()
    {
        var manifests = Manifests.Join(
            Manifests.Service("web", ports: "[ { port: 80, targetPort: 8080 }, { port: 9090 } ]"),
            Manifests.Service("api", ns: "shop"),
            """
            apiVersion: linnet.io/v1alpha1
            kind: Workload
            metadata: { name: web }
            spec: { command: /bin/web, ports: [8080] }
            """);

        var (status, body) = await _cp.ApplyAsync(manifests, Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, (long)body["revision"]!);
        Assert.Equal(
            ["Service/default/web created", "Service/shop/api created", "Workload/default/web created"],
            body["results"]!.AsArray().Select(r => $"{r!["kind"]}/{r["namespace"]}/{r["name"]} {r["action"]}"));
        var web = (ServiceResource)_cp.Store.Find(new ResourceKey("Service", "default", "web"))!;
        var api = (ServiceResource)_cp.Store.Find(new ResourceKey("Service", "shop", "api"))!;
        Assert.Equal(new Dictionary<int, int> { [80] = 20000, [9090] = 20001 }, web.Status.LocalPorts);
        Assert.Equal(new Dictionary<int, int> { [80] = 20002 }, api.Status.LocalPorts);
        Assert.NotNull(_cp.Store.Find(new ResourceKey("Workload", "default", "web")));
    }

    [Fact]
    public async Task Apply_SameThenChanged_UnchangedThenConfiguredKeepingLocalPorts()
    {
        await _cp.ApplyOkAsync(Manifests.Service("web"), Ct);

        var (_, same) = await _cp.ApplyAsync(Manifests.Service("web"), Ct);
        var (_, changed) = await _cp.ApplyAsync(Manifests.Service("web", ports: "[ { port: 80, targetPort: 8080 }, { port: 81 } ]"), Ct);

        Assert.Equal((1L, "unchanged"), ((long)same["revision"]!, (string?)same["results"]![0]!["action"]));
        Assert.Equal((2L, "configured"), ((long)changed["revision"]!, (string?)changed["results"]![0]!["action"]));
        var web = (ServiceResource)_cp.Store.Find(new ResourceKey("Service", "default", "web"))!;
        Assert.Equal(new Dictionary<int, int> { [80] = 20000, [81] = 20001 }, web.Status.LocalPorts);
    }

    [Fact]
    public async Task Apply_InvalidMultiDocument_422ListsEveryErrorAndWritesNothing()
    {
        await _cp.ApplyOkAsync(Manifests.Service("existing"), Ct);
        var manifests = Manifests.Join(
            Manifests.Service("fine"),
            Manifests.Service("broken", ports: "[ { port: 0 } ]"),
            "apiVersion: v1\nkind: Service\nmetadata: { name: odd }\nspec: { ports: [ { port: 80 } ], colour: blue }\n");

        var (status, body) = await _cp.ApplyAsync(manifests, Ct, source: "bad.yaml");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var errors = body["errors"]!.AsArray();
        Assert.Equal(2, errors.Count);
        Assert.Equal(
            JsonNode.Parse("""{"source":"bad.yaml","document":2,"resource":"Service/broken","path":"spec.ports[0].port","reason":"0 is out of range 1..65535"}"""),
            errors[0], JsonNode.DeepEquals);
        Assert.Equal((3, "spec.colour"), ((int)errors[1]!["document"]!, (string?)errors[1]!["path"]));
        Assert.Equal(1, _cp.Store.Revision);
        Assert.Null(_cp.Store.Find(new ResourceKey("Service", "default", "fine")));
    }

    [Fact]
    public async Task Apply_StaleResourceVersion_409AndNothingWritten()
    {
        await _cp.ApplyOkAsync(Manifests.Service("web"), Ct);
        await _cp.ApplyOkAsync(Manifests.Service("web", ports: "[ { port: 81 } ]"), Ct);
        var stale = "apiVersion: v1\nkind: Service\nmetadata: { name: web, resourceVersion: \"1\" }\nspec: { selector: { app: web }, ports: [ { port: 82 } ] }\n";

        var (status, body) = await _cp.ApplyAsync(Manifests.Join(Manifests.Service("other"), stale), Ct);

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("Service/default/web: expected resourceVersion 1, but it is 2", (string?)body["error"]);
        Assert.Equal(2, _cp.Store.Revision);
        Assert.Null(_cp.Store.Find(new ResourceKey("Service", "default", "other")));
    }

    [Fact]
    public async Task Apply_CurrentResourceVersion_Applies()
    {
        await _cp.ApplyOkAsync(Manifests.Service("web"), Ct);
        var current = "apiVersion: v1\nkind: Service\nmetadata: { name: web, resourceVersion: \"1\" }\nspec: { selector: { app: web }, ports: [ { port: 82 } ] }\n";

        Assert.Equal(2, await _cp.ApplyOkAsync(current, Ct));
    }

    [Fact]
    public async Task Apply_NoDocuments_400()
    {
        var (status, body) = await _cp.ApplyAsync("# nothing\n", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("test.yaml: no resources to apply", (string?)body["error"]);
    }

    [Fact]
    public async Task Resources_SameNamedRoutesOfTwoGroups_BothKeptEachNamedByItsGroup()
    {
        const string Rule = "spec: { parentRefs: [ { name: web, kind: Service, group: core } ], rules: [ { backendRefs: [ { name: web, port: 80 } ] } ] }";
        await _cp.ApplyOkAsync(Manifests.Join(
            Manifests.Service("web"),
            $"apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{ name: split }}\n{Rule}\n",
            $"apiVersion: policy.linkerd.io/v1beta2\nkind: HTTPRoute\nmetadata: {{ name: split }}\n{Rule}\n"), Ct);

        var (_, routes) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/resources?kind=httproutes", Ct);
        var (_, gateway) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/resources/httproutes/default/split", Ct);
        var (_, linkerd) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/resources/httproutes.policy.linkerd.io/default/split", Ct);
        var (badGroupStatus, badGroup) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/resources/httproutes.flagger.app/default/split", Ct);
        var (deleteStatus, _) = await _cp.SendAsync(HttpMethod.Delete, "/api/v1/resources/HTTPRoute.policy.linkerd.io/default/split", Ct);
        var (goneStatus, gone) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/resources/httproutes.policy.linkerd.io/default/split", Ct);
        var (stillStatus, _) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/resources/httproutes/default/split", Ct);

        Assert.Equal(["gateway.networking.k8s.io/v1", "policy.linkerd.io/v1beta3"], routes["items"]!.AsArray().Select(i => (string?)i!["apiVersion"]));
        Assert.Equal("gateway.networking.k8s.io/v1", (string?)gateway["apiVersion"]);
        Assert.Equal("policy.linkerd.io/v1beta3", (string?)linkerd["apiVersion"]);
        Assert.Equal(HttpStatusCode.BadRequest, badGroupStatus);
        Assert.StartsWith("'httproutes.flagger.app' is not a known kind", (string?)badGroup["error"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, deleteStatus);
        Assert.Equal(HttpStatusCode.NotFound, goneStatus);
        Assert.Equal("HTTPRoute.policy.linkerd.io/default/split not found", (string?)gone["error"]);
        Assert.Equal(HttpStatusCode.OK, stillStatus);
    }

    [Fact]
    public async Task Resources_ListGetDelete_KubernetesShapedJson()
    {
        await _cp.ApplyOkAsync(Manifests.Join(Manifests.Service("web"), Manifests.Service("api", ns: "shop"), Manifests.Service("db", ns: "shop")), Ct);

        var (_, all) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/resources", Ct);
        var (_, shop) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/resources?kind=services&namespace=shop", Ct);
        var (getStatus, web) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/resources/Service/default/web", Ct);
        var (deleteStatus, deleted) = await _cp.SendAsync(HttpMethod.Delete, "/api/v1/resources/service/default/web", Ct);
        var (goneStatus, gone) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/resources/Service/default/web", Ct);
        var (deleteAgainStatus, _) = await _cp.SendAsync(HttpMethod.Delete, "/api/v1/resources/Service/default/web", Ct);

        Assert.Equal(3, all["items"]!.AsArray().Count);
        Assert.Equal(1, (long)all["revision"]!);
        Assert.Equal(["api", "db"], shop["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]));
        Assert.Equal(HttpStatusCode.OK, getStatus);
        Assert.Equal(("v1", "Service", "20000"), ((string?)web["apiVersion"], (string?)web["kind"], (string?)web["status"]!["localPorts"]!["80"]));
        Assert.Equal(HttpStatusCode.OK, deleteStatus);
        Assert.Equal((2L, "deleted"), ((long)deleted["revision"]!, (string?)deleted["action"]));
        Assert.Equal(HttpStatusCode.NotFound, goneStatus);
        Assert.Equal("Service/default/web not found", (string?)gone["error"]);
        Assert.Equal(HttpStatusCode.NotFound, deleteAgainStatus);
        Assert.Equal(2, _cp.Store.Revision);
    }

    [Fact]
    public async Task Resources_UnknownKind_400()
    {
        var (listStatus, list) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/resources?kind=gadget", Ct);
        var (getStatus, _) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/resources/gadget/default/x", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, listStatus);
        Assert.Equal("'gadget' is not a known kind (known: Service, Workload, HTTPRoute, GRPCRoute, Instance, EndpointSlice, Deployment, Server, AuthorizationPolicy, MeshTLSAuthentication, NetworkAuthentication, Canary, ReferenceGrant, MetricTemplate, AlertProvider, ImagePolicy, Approval, ReleaseVerdict)", (string?)list["error"]);
        Assert.Equal(HttpStatusCode.BadRequest, getStatus);
    }

    [Fact]
    public async Task Delete_Instance_400AndKept()
    {
        await _cp.CommitAsStoreAsync(Manifests.Instance("web-0", "web", "127.0.0.2"), Ct);

        var (status, _) = await _cp.SendAsync(HttpMethod.Delete, "/api/v1/resources/Instance/default/web-0", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.NotNull(_cp.Store.Find(new ResourceKey("Instance", "default", "web-0")));
    }

    [Fact]
    public async Task Approvals_ListedByTheirPluralAndRefusedOnDelete()
    {
        var at = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
        await _cp.CommitAsStoreAsync(ResourceWriter.ToJsonLine(new ApprovalResource
        {
            Metadata = new ObjectMeta { Name = "web-2-0-0", Namespace = "default" },
            Spec = new ApprovalSpec("web", "deployment/default/web:2.0.0", "example/web:1.0.0", "example/web:2.0.0", 1, at.AddHours(24), at),
        }), Ct);

        var (listStatus, list) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/resources?kind=approvals", Ct);
        var (deleteStatus, deleted) = await _cp.SendAsync(HttpMethod.Delete, "/api/v1/resources/approval/default/web-2-0-0", Ct);

        Assert.Equal(HttpStatusCode.OK, listStatus);
        Assert.Equal("web-2-0-0", (string?)Assert.Single(list["items"]!.AsArray())!["metadata"]!["name"]);
        Assert.Equal(HttpStatusCode.BadRequest, deleteStatus);
        Assert.Equal("Approval resources are written by the control plane, not deleted", (string?)deleted["error"]);
        Assert.NotNull(_cp.Store.Find(new ResourceKey("Approval", "default", "web-2-0-0")));
    }

    [Fact]
    public async Task Health_ReportsRevision()
    {
        await _cp.ApplyOkAsync(Manifests.Service("web"), Ct);

        var (status, body) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/health", Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, (long)body["revision"]!);
    }

    [Fact]
    public async Task UnknownApiPath_404Json()
    {
        var (status, body) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/nothing", Ct);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("no API at GET /api/v1/nothing", (string?)body["error"]);
    }

    [Fact]
    public async Task Apply_StoreCannotPersist_500JsonError()
    {
        using var store = new FaultyStore { FailCommits = true };
        await using var cp = await TestControlPlane.StartAsync(Ct, store: store);

        var (status, body) = await cp.ApplyAsync(Manifests.Service("web"), Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("IOException: No space left on device", (string?)body["error"]);
        Assert.Equal(0, store.Revision);
    }
}
