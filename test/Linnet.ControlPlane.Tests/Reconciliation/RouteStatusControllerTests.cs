using System.Net;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Tests.Infrastructure;

namespace Linnet.ControlPlane.Tests.Reconciliation;

/// <summary>The route status controller of a running control plane: Gateway API conditions per parentRef,
/// written from the store's watch (not by apply), right again when a missing Service appears later, without
/// bumping the route's generation; and apply's warnings for annotations without effect.</summary>
public sealed class RouteStatusControllerTests : IAsyncLifetime
{
    private const string Route = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: web }
        spec:
          parentRefs: [ { name: web }, { name: web, namespace: elsewhere, port: 80 } ]
          rules:
            - backendRefs: [ { name: web-v1 }, { name: web-v2, port: 8080 } ]

        """;

    private static readonly ResourceKey Key = new("HTTPRoute", "default", "web");

    private TestControlPlane _cp = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _cp = await TestControlPlane.StartAsync(Ct);

    public ValueTask DisposeAsync() => _cp.DisposeAsync();

    [Fact]
    public async Task Status_MissingParentAndBackends_SaysSoThenResolvesWhenServicesAppear()
    {
        await _cp.ApplyOkAsync(Route, Ct);

        var missing = await WaitForStatusAsync(s => s.Parents.Count == 2);
        Assert.Equal(
            [
                "default/web Accepted False NoMatchingParent",
                "default/web ResolvedRefs False BackendNotFound",
                "elsewhere/web Accepted False NoMatchingParent",
                "elsewhere/web ResolvedRefs False BackendNotFound",
            ],
            Summary(missing));
        Assert.Contains("namespace 'elsewhere' does not exist", missing.Parents[1].Conditions[0].Message, StringComparison.Ordinal);
        Assert.Contains("Service default/web-v1 does not exist", missing.Parents[0].Conditions[1].Message, StringComparison.Ordinal);
        Assert.All(missing.Parents, p => Assert.Equal(RouteStatus.ControllerName, p.ControllerName));

        // The Services appear later: the controller notices through the watch. web-v2 has no port 8080 yet.
        await _cp.ApplyOkAsync(Manifests.Join(Manifests.Service("web"), Manifests.Service("web-v1"), Manifests.Service("web-v2")), Ct);
        var partly = await WaitForStatusAsync(s => s.Parents[0].Conditions[0].Status == "True");
        Assert.Equal(
            [
                "default/web Accepted True Accepted",
                "default/web ResolvedRefs False BackendNotFound",
                "elsewhere/web Accepted False NoMatchingParent",
                "elsewhere/web ResolvedRefs False BackendNotFound",
            ],
            Summary(partly));
        Assert.Equal("backendRef Service default/web-v2 has no port 8080 (requests picked for it are answered 500)", partly.Parents[0].Conditions[1].Message);

        var route = _cp.Store.Find(Key)!;
        Assert.Equal(1, route.Metadata.Generation);
        Assert.All(partly.Parents.SelectMany(p => p.Conditions), c => Assert.Equal(1, c.ObservedGeneration));

        // The status is in what get shows, in Gateway API's shape.
        var (status, body) = await _cp.SendAsync(HttpMethod.Get, "/api/v1/resources/HTTPRoute/default/web", Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("BackendNotFound", (string?)body["status"]!["parents"]![0]!["conditions"]![1]!["reason"]);
        Assert.Equal("linnet.io/control-plane", (string?)body["status"]!["parents"]![0]!["controllerName"]);

        // Re-applying the unchanged route changes nothing: apply keeps the controller's status.
        var (_, again) = await _cp.ApplyAsync(Route, Ct);
        Assert.Equal("unchanged", (string?)again["results"]![0]!["action"]);
        Assert.Equal(route.Metadata.ResourceVersion, _cp.Store.Find(Key)!.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Apply_AnnotationsWithoutEffect_200WithAWarningForEach()
    {
        var annotated = Route.Replace("metadata: { name: web }", "metadata: { name: web, annotations: { linkerd.io/inject: enabled, retry.linkerd.io/limit: \"2\", example.com/team: a } }", StringComparison.Ordinal);

        var (status, body) = await _cp.ApplyAsync(annotated, Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        var warning = Assert.Single(body["warnings"]!.AsArray())!;
        Assert.Equal("metadata.annotations[linkerd.io/inject]", (string?)warning["path"]);
        Assert.Equal("HTTPRoute/web", (string?)warning["resource"]);
        Assert.Equal("is not an annotation Linnet understands, so it has no effect", (string?)warning["reason"]);
    }

    private static List<string> Summary(RouteStatus status) =>
        status.Parents.SelectMany(p => p.Conditions.Select(c => $"{p.ParentRef.Namespace}/{p.ParentRef.Name} {c.Type} {c.Status} {c.Reason}")).ToList();

    // Synchronised on the store's watch events, bounded by a timeout.
    private async Task<RouteStatus> WaitForStatusAsync(Func<RouteStatus, bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var revision = _cp.Store.Revision;
        if (_cp.Store.Find(Key) is HttpRouteResource { Status.Parents.Count: > 0 } now && condition(now.Status))
        {
            return now.Status;
        }

        await foreach (var change in _cp.Store.WatchAsync(revision, timeout.Token))
        {
            if (change.Resource is HttpRouteResource route && route.Key == Key && route.Status.Parents.Count > 0 && condition(route.Status))
            {
                return route.Status;
            }
        }

        throw new InvalidOperationException("unreachable");
    }
}
