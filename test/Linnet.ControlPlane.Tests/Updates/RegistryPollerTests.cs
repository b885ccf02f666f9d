using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Notifications;
using Linnet.ControlPlane.Tests.Infrastructure;
using Linnet.ControlPlane.Updates;
using Linnet.Registry;
using Linnet.Registry.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.ControlPlane.Tests.Updates;

/// <summary>Keel's poll trigger against a real registry (Debian's docker-registry): a newer tag is found and
/// applied pinned to its digest; an unchanged digest never redeploys; force + matchTag follows a new digest of
/// the same tag. Passes are driven one by one on a fake clock, the background loop by a real control plane.</summary>
public sealed class RegistryPollerTests : IAsyncLifetime
{
    private RegistryServer _registry = null!;

    public async ValueTask InitializeAsync() => _registry = await RegistryServer.StartAsync();

    public async ValueTask DisposeAsync() => await _registry.DisposeAsync();

    [Fact]
    public async Task ControlPlane_NewerTagPushed_WorkloadMovesToItPinnedToItsDigest()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pusher = new RegistryPusher(_registry.BaseUri);
        await pusher.PushAsync("shop/web", "1.2.0", TestImage.Script("one-two"));
        await using var cp = await TestControlPlane.StartAsync(ct);
        var commit = await cp.Store.CommitAsync([new PutChange(Workload("web", $"{_registry.Host}/shop/web:1.2.0", "minor", "@every 1s"))], ct);
        var newer = TestImage.Script("one-three");
        await pusher.PushAsync("shop/web", "1.3.0", newer);
        await pusher.PushAsync("shop/web", "2.0.0", TestImage.Script("two"));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        string? image = null;
        await foreach (var change in cp.Store.WatchAsync(commit.Revision, timeout.Token))
        {
            if (change.Resource is WorkloadResource { Metadata.Name: "web" } workload)
            {
                image = workload.Spec.Image;
                break;
            }
        }

        Assert.Equal($"{_registry.Host}/shop/web:1.3.0@{newer.Digest}", image);
    }

    [Fact]
    public async Task PollDue_NothingNew_NeverRedeploys()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pusher = new RegistryPusher(_registry.BaseUri);
        var image = TestImage.Script("steady");
        await pusher.PushAsync("shop/steady", "1.2.0", image);
        var (store, poller, time) = Create();
        await store.CommitAsync([new PutChange(Workload("steady", $"{_registry.Host}/shop/steady:1.2.0@{image.Digest}", "minor", "@every 10s"))], ct);
        var revision = store.Revision;
        using var registry = new RegistryClient(timeProvider: time);

        for (var i = 0; i < 3; i++)
        {
            await poller.PollDueAsync(registry, ct);
            time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(revision, store.Revision);
    }

    [Fact]
    public async Task PollDue_ForceMatchTagSameTagRepushed_MovesToTheNewDigestOnlyThen()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pusher = new RegistryPusher(_registry.BaseUri);
        await pusher.PushAsync("shop/latest", "latest", TestImage.Script("first"));
        var (store, poller, time) = Create();
        var workload = Workload("edge", $"{_registry.Host}/shop/latest:latest", "force", "@every 1m");
        workload = workload with { Metadata = workload.Metadata with { Annotations = new Dictionary<string, string>(workload.Metadata.Annotations) { ["keel.sh/matchTag"] = "true" } } };
        await store.CommitAsync([new PutChange(workload)], ct);
        using var registry = new RegistryClient(timeProvider: time);

        // First sight: what the tag resolves to is what runs; a second poll of the same digest changes nothing.
        await poller.PollDueAsync(registry, ct);
        time.Advance(TimeSpan.FromMinutes(1));
        await poller.PollDueAsync(registry, ct);
        Assert.Equal($"{_registry.Host}/shop/latest:latest", ImageOf(store, "edge"));

        var second = TestImage.Script("second");
        await pusher.PushAsync("shop/latest", "latest", second);

        // Not due yet: nothing asked, nothing changed.
        await poller.PollDueAsync(registry, ct);
        Assert.Equal($"{_registry.Host}/shop/latest:latest", ImageOf(store, "edge"));

        time.Advance(TimeSpan.FromMinutes(1));
        await poller.PollDueAsync(registry, ct);
        Assert.Equal($"{_registry.Host}/shop/latest:latest@{second.Digest}", ImageOf(store, "edge"));
    }

    [Fact]
    public async Task PollDue_RegistryDown_NothingChangedAndPolledAgainLater()
    {
        var ct = TestContext.Current.CancellationToken;
        var (store, poller, time) = Create();
        await store.CommitAsync([new PutChange(Workload("lost", "127.0.0.1:1/shop/none:1.0.0", "minor", "@every 5s"))], ct);
        var revision = store.Revision;
        using var registry = new RegistryClient(timeProvider: time);

        await poller.PollDueAsync(registry, ct);
        time.Advance(TimeSpan.FromSeconds(5));
        await poller.PollDueAsync(registry, ct);

        Assert.Equal(revision, store.Revision);
    }

    [Fact]
    public async Task PollDue_ImagePolicyWithTriggerPoll_PollsAndMovesTheWorkloadItTargets()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pusher = new RegistryPusher(_registry.BaseUri);
        await pusher.PushAsync("shop/policed", "1.2.0", TestImage.Script("policed-one-two"));
        var (store, poller, time) = Create();
        var parsed = Linnet.ControlPlane.Core.Manifests.ManifestParser.Parse($$"""
            apiVersion: linnet.io/v1alpha1
            kind: Workload
            metadata: { name: policed }
            spec: { image: "{{_registry.Host}}/shop/policed:1.2.0", ports: [8080] }
            ---
            apiVersion: linnet.io/v1alpha1
            kind: ImagePolicy
            metadata: { name: policed }
            spec: { targetRef: { kind: Workload, name: policed }, policy: patch, trigger: poll, pollSchedule: "@every 10s" }
            """, "test.yaml");
        Assert.Empty(parsed.Errors);
        await store.CommitAsync([.. parsed.Resources.Select(r => (StoreChange)new PutChange(r))], ct);
        using var registry = new RegistryClient(timeProvider: time);

        // The first pass sees nothing newer; a patch and a minor are pushed; the next pass takes the patch only.
        await poller.PollDueAsync(registry, ct);
        Assert.Equal($"{_registry.Host}/shop/policed:1.2.0", ImageOf(store, "policed"));
        var patch = TestImage.Script("policed-one-two-one");
        await pusher.PushAsync("shop/policed", "1.2.1", patch);
        await pusher.PushAsync("shop/policed", "1.3.0", TestImage.Script("policed-one-three"));
        time.Advance(TimeSpan.FromSeconds(10));
        await poller.PollDueAsync(registry, ct);

        Assert.Equal($"{_registry.Host}/shop/policed:1.2.1@{patch.Digest}", ImageOf(store, "policed"));
    }

    private static (InMemoryResourceStore Store, RegistryPoller Poller, FakeTimeProvider Time) Create()
    {
        var store = new InMemoryResourceStore();
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var sender = new NotificationSender(new ControlPlaneOptions(), time, NullLogger<NotificationSender>.Instance);
        var applier = new ImageUpdateApplier(store, sender, time, NullLogger<ImageUpdateApplier>.Instance);
        return (store, new RegistryPoller(store, applier, time, NullLogger<RegistryPoller>.Instance), time);
    }

    private static WorkloadResource Workload(string name, string image, string policy, string schedule) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = name,
            Annotations = new Dictionary<string, string> { ["keel.sh/policy"] = policy, ["keel.sh/trigger"] = "poll", ["keel.sh/pollSchedule"] = schedule },
        },
        Spec = new WorkloadSpec(1, "default", "", [], [], null, [8080], [], null) { Image = image },
    };

    private static string? ImageOf(InMemoryResourceStore store, string name) =>
        Assert.IsType<WorkloadResource>(store.Find(new ResourceKey(WorkloadResource.KindName, "default", name))).Spec.Image;
}
