using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;
using Linnet.Platform.Kubernetes.Cluster;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Platform.Kubernetes.Tests.Cluster;

/// <summary>HTTPRoute status written back through the status subresource, as Gateway API defines it (GEP-1426 for a
/// Service parent: per parentRef, <c>Accepted</c> and <c>ResolvedRefs</c> with <c>observedGeneration</c>; entries of
/// other controllers left alone), and nothing written when nothing changed.</summary>
public sealed class ClusterRouteStatusWriterTests : IAsyncLifetime
{
    private static readonly WatchedType Routes = WatchedType.All.Single(t => t.Kind == "HTTPRoute" && t.Group == "gateway.networking.k8s.io");
    private const string RoutePath = "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/web";
    private ClusterHarness _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await ClusterHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    // The writer replaces status with PUT (the test itself patches the other controller's entry).
    private int StatusWrites => _cluster.Server.Requests.Count(r => r.Method == "PUT" && r.Path == RoutePath + "/status" && r.StatusCode == 200);

    private static JsonObject Condition(JsonObject route, string type) =>
        route["status"]!["parents"]!.AsArray().OfType<JsonObject>().Single(p => p["controllerName"]!.GetValue<string>() == RouteStatus.ControllerName)
            ["conditions"]!.AsArray().OfType<JsonObject>().Single(c => c["type"]!.GetValue<string>() == type);

    private Task<Linnet.ControlPlane.Core.Store.StoreSnapshot> WaitForMirroredStatusAsync(long generation) =>
        _cluster.WaitForAsync(
            s => s.Resources.TryGetValue(new ResourceKey("HTTPRoute", "default", "web"), out var r)
                && ((HttpRouteResource)r).Status.Parents.Any(p => p.ControllerName == RouteStatus.ControllerName && p.Conditions.All(c => c.ObservedGeneration == generation)),
            $"the written status of generation {generation} mirrored");

    [Fact]
    public async Task Reconcile_WritesAcceptedAndResolvedRefs_ThenNothingWhenNothingChanged()
    {
        await _cluster.InformAsync(WatchedType.Services);
        await _cluster.InformAsync(Routes);
        await _cluster.CreateAsync("/api/v1/namespaces/default/services", ClusterHarness.Service("web", 80, 8080, "web"));
        await _cluster.WaitForAsync(s => s.Resources.ContainsKey(new ResourceKey("Service", "default", "web")), "web");
        await _cluster.CreateAsync("/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes", Route("web"));
        // Another controller's entry, which Linnet must keep.
        await _cluster.SendAsync(HttpMethod.Patch, RoutePath + "/status", new JsonObject
        {
            ["status"] = new JsonObject { ["parents"] = new JsonArray(new JsonObject
            {
                ["parentRef"] = new JsonObject { ["name"] = "gw", ["kind"] = "Gateway", ["group"] = "gateway.networking.k8s.io" },
                ["controllerName"] = "example.com/gateway",
                ["conditions"] = new JsonArray(),
            }) },
        }, "application/merge-patch+json");
        await _cluster.WaitForAsync(s => s.Resources.TryGetValue(new ResourceKey("HTTPRoute", "default", "web"), out var r) && ((HttpRouteResource)r).Status.Parents.Count == 1, "the route with the other controller's status");
        var writer = new ClusterRouteStatusWriter(_cluster.Mirror, _cluster.Api, TimeProvider.System, NullLogger.Instance);

        var first = await writer.ReconcileAsync(TestContext.Current.CancellationToken);
        var route = _cluster.Server.Get(ClusterHarness.FakeType(Routes), "default", "web")!;

        Assert.Equal(1, first);
        Assert.Equal(["example.com/gateway", RouteStatus.ControllerName], route["status"]!["parents"]!.AsArray().Select(p => p!["controllerName"]!.GetValue<string>()));
        var accepted = Condition(route, "Accepted");
        Assert.Equal(("True", "Accepted", 1L), (accepted["status"]!.GetValue<string>(), accepted["reason"]!.GetValue<string>(), accepted["observedGeneration"]!.GetValue<long>()));
        var resolved = Condition(route, "ResolvedRefs");
        Assert.Equal(("False", "BackendNotFound"), (resolved["status"]!.GetValue<string>(), resolved["reason"]!.GetValue<string>()));

        // Once the cluster's answer is back in the store, a reconcile finds nothing to do.
        await WaitForMirroredStatusAsync(1);
        var second = await writer.ReconcileAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, second);
        Assert.Equal(1, StatusWrites);

        // The missing backend appears: ResolvedRefs turns True, Accepted keeps its transition time.
        await _cluster.CreateAsync("/api/v1/namespaces/default/services", ClusterHarness.Service("web-v2", 80, 8080, "web-v2"));
        await _cluster.WaitForAsync(s => s.Resources.ContainsKey(new ResourceKey("Service", "default", "web-v2")), "web-v2");
        Assert.Equal(1, await writer.ReconcileAsync(TestContext.Current.CancellationToken));
        var after = _cluster.Server.Get(ClusterHarness.FakeType(Routes), "default", "web")!;
        Assert.Equal("True", Condition(after, "ResolvedRefs")["status"]!.GetValue<string>());
        Assert.Equal(accepted["lastTransitionTime"]!.GetValue<string>(), Condition(after, "Accepted")["lastTransitionTime"]!.GetValue<string>());
        Assert.Equal(2, StatusWrites);
    }

    [Fact]
    public async Task SpecChange_NewGeneration_IsObservedInTheWrittenStatus()
    {
        await _cluster.InformAsync(WatchedType.Services);
        await _cluster.InformAsync(Routes);
        await _cluster.CreateAsync("/api/v1/namespaces/default/services", ClusterHarness.Service("web", 80, 8080, "web"));
        await _cluster.CreateAsync("/api/v1/namespaces/default/services", ClusterHarness.Service("web-v2", 80, 8080, "web-v2"));
        await _cluster.WaitForAsync(s => s.OfKind<ServiceResource>().Count() == 2, "both services");
        await _cluster.CreateAsync("/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes", Route("web"));
        var writer = new ClusterRouteStatusWriter(_cluster.Mirror, _cluster.Api, TimeProvider.System, NullLogger.Instance);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var running = writer.RunAsync(stop.Token);

        await WaitForMirroredStatusAsync(1);
        await _cluster.SendAsync(HttpMethod.Patch, RoutePath, new JsonObject { ["spec"] = new JsonObject { ["parentRefs"] = new JsonArray(new JsonObject { ["name"] = "web", ["port"] = 8081 }) } }, "application/merge-patch+json");
        await WaitForMirroredStatusAsync(2);

        var route = _cluster.Server.Get(ClusterHarness.FakeType(Routes), "default", "web")!;
        var accepted = Condition(route, "Accepted");
        Assert.Equal(("False", "NoMatchingParent", 2L), (accepted["status"]!.GetValue<string>(), accepted["reason"]!.GetValue<string>(), accepted["observedGeneration"]!.GetValue<long>()));
        await stop.CancelAsync();
        await running;
        Assert.Equal(2, StatusWrites);
    }

    private static JsonObject Route(string name) => new()
    {
        ["apiVersion"] = "gateway.networking.k8s.io/v1",
        ["kind"] = "HTTPRoute",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject
        {
            ["parentRefs"] = new JsonArray(new JsonObject { ["name"] = "web", ["port"] = 80 }),
            ["rules"] = new JsonArray(new JsonObject
            {
                ["backendRefs"] = new JsonArray(
                    new JsonObject { ["name"] = "web", ["port"] = 80, ["weight"] = 90 },
                    new JsonObject { ["name"] = "web-v2", ["port"] = 80, ["weight"] = 10 }),
            }),
        },
    };
}
