using System.Net;
using Grpc.Core;
using Linnet.Api.Destination.V1;
using Linnet.ControlPlane.Destination;
using Linnet.ControlPlane.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Linnet.ControlPlane.Tests.Destination;

public sealed class DestinationServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Subscribe_ExistingServices_FirstMessageIsFullSnapshotAtStoreRevision()
    {
        await using var cp = await TestControlPlane.StartAsync(Ct);
        await cp.ApplyOkAsync(Manifests.Join(Manifests.Service("web", ports: "[ { port: 80, targetPort: 8080, appProtocol: http } ]"), Manifests.Service("api")), Ct);
        var revision = await cp.CommitAsStoreAsync(Manifests.Instance("web-0", "web", "127.0.0.2"), Ct);
        using var subscription = cp.Subscribe("default");

        var snapshot = await subscription.NextAsync(Ct);

        Assert.True(snapshot.Snapshot);
        Assert.Equal(revision.ToString(System.Globalization.CultureInfo.InvariantCulture), snapshot.Version);
        Assert.Equal(["api.default:80", "web.default:80"], snapshot.Services.Select(s => s.Key));
        var web = snapshot.Services[1];
        Assert.Equal((Protocol.Http1, 20000), (web.Protocol, web.LocalPort));
        Assert.Equal(("127.0.0.2", 4143, "web-0", true), (web.Endpoints[0].Address, web.Endpoints[0].Port, web.Endpoints[0].Instance, web.Endpoints[0].Meshed));
        Assert.Empty(snapshot.RemovedServices);
    }

    [Fact]
    public async Task Subscribe_ChangeToOneService_IncrementalUpdateWithOnlyThatService()
    {
        await using var cp = await TestControlPlane.StartAsync(Ct);
        await cp.ApplyOkAsync(Manifests.Join(Manifests.Service("web"), Manifests.Service("api")), Ct);
        using var subscription = cp.Subscribe("default");
        await subscription.NextAsync(Ct);

        var applied = await cp.ApplyOkAsync(Manifests.Service("api", ports: "[ { port: 80, targetPort: 8080, appProtocol: grpc } ]"), Ct);
        var update = await subscription.NextAsync(Ct);
        var ready = await cp.CommitAsStoreAsync(Manifests.Instance("web-0", "web", "127.0.0.3"), Ct);
        var endpoints = await subscription.NextAsync(Ct);

        Assert.False(update.Snapshot);
        Assert.Equal(applied.ToString(System.Globalization.CultureInfo.InvariantCulture), update.Version);
        var api = Assert.Single(update.Services);
        Assert.Equal(("api.default:80", Protocol.Grpc), (api.Key, api.Protocol));
        Assert.Empty(update.RemovedServices);
        Assert.Equal(ready.ToString(System.Globalization.CultureInfo.InvariantCulture), endpoints.Version);
        Assert.Equal("127.0.0.3", Assert.Single(Assert.Single(endpoints.Services).Endpoints).Address);
    }

    [Fact]
    public async Task Subscribe_ServiceDeleted_UpdateListsRemovedKeys()
    {
        await using var cp = await TestControlPlane.StartAsync(Ct);
        await cp.ApplyOkAsync(Manifests.Join(Manifests.Service("web", ports: "[ { port: 80 }, { port: 81 } ]"), Manifests.Service("api")), Ct);
        using var subscription = cp.Subscribe("default");
        await subscription.NextAsync(Ct);

        var (status, _) = await cp.SendAsync(HttpMethod.Delete, "/api/v1/resources/Service/default/web", Ct);
        var update = await subscription.NextAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(update.Snapshot);
        Assert.Empty(update.Services);
        Assert.Equal(["web.default:80", "web.default:81"], update.RemovedServices);
        Assert.Equal("2", update.Version);
    }

    [Fact]
    public async Task Subscribe_ServicesInTwoNamespaces_ShortNameOnlyForSubscribersNamespace()
    {
        await using var cp = await TestControlPlane.StartAsync(Ct);
        await cp.ApplyOkAsync(Manifests.Join(Manifests.Service("web", ns: "shop"), Manifests.Service("db", ns: "data")), Ct);
        using var inShop = cp.Subscribe("shop");
        using var inData = cp.Subscribe("data");

        var shop = (await inShop.NextAsync(Ct)).Services.ToDictionary(s => s.Key, s => s.Names.ToList());
        var data = (await inData.NextAsync(Ct)).Services.ToDictionary(s => s.Key, s => s.Names.ToList());

        Assert.Equal(["web", "web.shop", "web.shop.svc.cluster.local"], shop["web.shop:80"]);
        Assert.Equal(["db.data", "db.data.svc.cluster.local"], shop["db.data:80"]);
        Assert.Equal(["web.shop", "web.shop.svc.cluster.local"], data["web.shop:80"]);
        Assert.Equal(["db", "db.data", "db.data.svc.cluster.local"], data["db.data:80"]);
    }

    [Fact]
    public async Task Subscribe_200Subscribers_AllGetUpdateAfterOneApplyFromOneTranslation()
    {
        const int Subscribers = 200;
        await using var cp = await TestControlPlane.StartAsync(Ct);
        // A proxy has a connection of its own; 50 streams per connection keep the test's socket count low.
        // One client per namespace: each proxy's certificate names the namespace it subscribes in.
        var clients = Enumerable.Range(0, Subscribers / 50).Select(i => cp.NewClient($"ns{i}")).ToList();
        var subscriptions = Enumerable.Range(0, Subscribers)
            .Select(i => cp.Subscribe($"ns{i % 4}", "app", $"app-{i}", clients[i % clients.Count]))
            .ToList();
        try
        {
            await Task.WhenAll(subscriptions.Select(s => s.NextAsync(Ct)));

            var revision = await cp.ApplyOkAsync(Manifests.Service("web", ns: "ns0"), Ct);
            var updates = await Task.WhenAll(subscriptions.Select(s => s.NextAsync(Ct)));

            Assert.All(updates, u => Assert.Equal(("1", "web.ns0:80"), (u.Version, Assert.Single(u.Services).Key)));
            Assert.Equal(1, revision);
            // One translation for the empty store, one for the apply: not one per subscriber.
            Assert.Equal(2, cp.Host.Services.GetRequiredService<MeshViewCache>().Translations);
        }
        finally
        {
            subscriptions.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Subscribe_ChurnWithinUpdateInterval_CoalescedIntoOneUpdateAtLatestRevision()
    {
        var time = new TimerWatchingTimeProvider();
        await using var cp = await TestControlPlane.StartAsync(Ct, services => services.AddSingleton<TimeProvider>(time));
        using var subscription = cp.Subscribe("default");
        await subscription.NextAsync(Ct);
        time.Advance(TimeSpan.FromSeconds(1));

        // After a quiet spell the first change goes at once (the fake clock does not move).
        await cp.ApplyOkAsync(Manifests.Service("a"), Ct);
        var first = await subscription.NextAsync(Ct);
        // The next change, inside the interval, is held: the subscriber waits out the rest of the interval...
        var held = time.NextTimer;
        await cp.ApplyOkAsync(Manifests.Service("b"), Ct);
        var wait = await held.WaitAsync(Subscription.Timeout, Ct);
        // ...so a third change joins it, and both go as one update once the interval has passed.
        var last = await cp.ApplyOkAsync(Manifests.Service("c"), Ct);
        time.Advance(wait);
        var coalesced = await subscription.NextAsync(Ct);

        Assert.Equal(("1", "a.default:80"), (first.Version, Assert.Single(first.Services).Key));
        Assert.Equal(TimeSpan.FromMilliseconds(20), wait);
        Assert.Equal(3, last);
        Assert.Equal("3", coalesced.Version);
        Assert.Equal(["b.default:80", "c.default:80"], coalesced.Services.Select(s => s.Key));
    }

    [Fact]
    public async Task Subscribe_WatchHistoryCompacted_SendsFreshSnapshot()
    {
        using var store = new FaultyStore { CompactFirstWatchFrom = 1 };
        await using var cp = await TestControlPlane.StartAsync(Ct, store: store);
        await cp.ApplyOkAsync(Manifests.Service("web"), Ct);
        using var subscription = cp.Subscribe("default");

        var first = await subscription.NextAsync(Ct);
        var second = await subscription.NextAsync(Ct);
        await cp.ApplyOkAsync(Manifests.Service("api"), Ct);
        var update = await subscription.NextAsync(Ct);

        Assert.True(first.Snapshot);
        Assert.True(second.Snapshot);
        Assert.Equal(("1", 1), (second.Version, second.Services.Count));
        Assert.Equal(("2", false, "api.default:80"), (update.Version, update.Snapshot, Assert.Single(update.Services).Key));
    }

    [Fact]
    public async Task Proxies_Subscribed_ListedWithVersionsUntilTheyLeave()
    {
        await using var cp = await TestControlPlane.StartAsync(Ct);
        await cp.ApplyOkAsync(Manifests.Service("web"), Ct);
        using var api = cp.Subscribe("data", "api", "api-1");
        using (var web = cp.Subscribe("shop", "web", "web-0"))
        {
            await web.NextAsync(Ct);
            await api.NextAsync(Ct);

            var (status, body) = await cp.SendAsync(HttpMethod.Get, "/api/v1/proxies", Ct);

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(1, (long)body["revision"]!);
            var proxies = body["proxies"]!.AsArray();
            Assert.Equal(
                ["data/api/api-1 v1 True", "shop/web/web-0 v1 True"],
                proxies.Select(p => $"{p!["namespace"]}/{p["workload"]}/{p["instance"]} v{p["version"]} {(bool)p["upToDate"]!}"));
            Assert.StartsWith("127.0.0.1:", (string?)proxies[0]!["remoteAddress"], StringComparison.Ordinal);
        }

        // The registry drops a proxy when its stream ends, which the server notices asynchronously.
        var registry = cp.Host.Services.GetRequiredService<ProxyRegistry>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Subscription.Timeout);
        while (true)
        {
            var changed = registry.Changed;
            var (_, after) = await cp.SendAsync(HttpMethod.Get, "/api/v1/proxies", timeout.Token);
            if (after["proxies"]!.AsArray().Count == 1)
            {
                Assert.Equal("data", (string?)after["proxies"]![0]!["namespace"]);
                break;
            }

            await changed.WaitAsync(timeout.Token);
        }
    }

    [Fact]
    public async Task Listeners_EachApiOnlyOnItsOwnListener()
    {
        await using var cp = await TestControlPlane.StartAsync(Ct);
        using var h2 = new HttpClient(MeshChannel.Handler(cp.Host, null)) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress($"http://{cp.Host.HttpEndPoint}");
        var grpcOverHttpListener = new global::Linnet.Api.Destination.V1.Destination.DestinationClient(channel);

        using var apiOnGrpc = await h2.GetAsync(new Uri($"https://{cp.Host.GrpcEndPoint}/api/v1/health"), Ct);
        using var call = grpcOverHttpListener.Subscribe(new SubscribeRequest { Namespace = "default" }, cancellationToken: Ct);
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));

        Assert.Equal(HttpStatusCode.NotFound, apiOnGrpc.StatusCode);
        Assert.NotEqual(StatusCode.OK, ex.StatusCode);
        Assert.Equal(0, cp.Host.Services.GetRequiredService<ProxyRegistry>().Count);
    }
}
