using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Kubernetes.Cluster;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Platform.Kubernetes.Tests.Cluster;

/// <summary>Linnet's records (here image-update Approvals) kept on the cluster: the leader's store is written to the
/// API server as custom resources (created, replaced, deleted), listed back into an empty store, never overwritten by
/// an older copy of the cluster while the leader owns them, and not written again once deleted on the cluster.</summary>
public sealed class ClusterRecordWriterTests : IAsyncLifetime
{
    private static readonly WatchedType Approvals = WatchedType.Records.Single(t => t.Kind == ApprovalResource.KindName);
    private static readonly string Path = $"/apis/{Approvals.Group}/{Approvals.Version}/namespaces/default/approvals";
    private ClusterHarness _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await ClusterHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Reconcile_StoreRecords_CreatedThenReplacedThenDeletedOnTheCluster()
    {
        var ct = TestContext.Current.CancellationToken;
        await _cluster.InformAsync(Approvals);
        _cluster.Mirror.OwnsRecords = () => true;
        var writer = Writer();
        var pending = Approval(ApprovalStates.Pending);

        await _cluster.Store.CommitAsync([new PutChange(pending)], ct);
        await writer.ReconcileAsync(ct);
        Assert.Equal(ApprovalStates.Pending, StateOnCluster());
        Assert.Equal("deployment/default/web:1.3.0", OnCluster()!["spec"]!["identifier"]!.GetValue<string>());
        await WaitAsync(() => _cluster.Mirror.Source(pending.Key) is not null, "the mirror seeing the created record");
        Assert.Equal(0, await writer.ReconcileAsync(ct)); // the cluster says what the store says: nothing to write

        var stored = _cluster.Store.Snapshot().Resources[pending.Key];
        await _cluster.Store.CommitAsync([new PutChange(Approval(ApprovalStates.Rejected)) { ExpectedVersion = stored.Metadata.ResourceVersion }], ct);
        await writer.ReconcileAsync(ct);
        Assert.Equal(ApprovalStates.Rejected, StateOnCluster());

        await WaitAsync(() => _cluster.Mirror.Source(pending.Key)?.Object["spec"]?["state"]?.GetValue<string>() == ApprovalStates.Rejected, "the mirror seeing the replaced record");
        await _cluster.Store.CommitAsync([new DeleteChange(pending.Key)], ct);
        await writer.ReconcileAsync(ct);
        Assert.Null(OnCluster());
    }

    [Fact]
    public async Task Mirror_LeaderOwnsRecords_OlderClusterCopyNeverOverwritesTheStore_AnEmptyStoreGetsItBack()
    {
        var ct = TestContext.Current.CancellationToken;
        await _cluster.CreateAsync(Path, ResourceJson(Approval(ApprovalStates.Pending)));
        _cluster.Mirror.OwnsRecords = () => true;
        // The leader's newer record (a vote on its way to the cluster) is in the store before the older copy arrives.
        await _cluster.Store.CommitAsync([new PutChange(Approval(ApprovalStates.Rejected))], ct);

        await _cluster.InformAsync(Approvals);
        var key = Approval(ApprovalStates.Pending).Key;
        await WaitAsync(() => _cluster.Mirror.Source(key) is not null, "the mirror listing the record");
        Assert.Equal(ApprovalStates.Rejected, ((ApprovalResource)_cluster.Store.Snapshot().Resources[key]).Spec.State);

        // A store without it (a restarted control plane) takes the cluster's copy.
        await _cluster.Store.CommitAsync([new DeleteChange(key)], ct);
        await _cluster.Mirror.ResyncAsync(Approvals, ct);
        Assert.Equal(ApprovalStates.Pending, ((ApprovalResource)_cluster.Store.Snapshot().Resources[key]).Spec.State);
    }

    [Fact]
    public async Task Reconcile_RecordDeletedOnTheCluster_LeavesTheStoreAndIsNotWrittenAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        await _cluster.InformAsync(Approvals);
        _cluster.Mirror.OwnsRecords = () => true;
        var writer = Writer();
        var pending = Approval(ApprovalStates.Pending);
        await _cluster.Store.CommitAsync([new PutChange(pending)], ct);
        await writer.ReconcileAsync(ct);
        await WaitAsync(() => _cluster.Mirror.Source(pending.Key) is not null, "the mirror seeing the created record");

        await _cluster.SendAsync(HttpMethod.Delete, Path + "/" + pending.Metadata.Name);
        await _cluster.WaitForAsync(s => !s.Resources.ContainsKey(pending.Key), "the record gone from the store");
        await writer.ReconcileAsync(ct);

        Assert.Null(OnCluster());

        // Asked again later (same identifier, same name): a new record, written.
        await _cluster.Store.CommitAsync([new PutChange(pending)], ct);
        await writer.ReconcileAsync(ct);
        Assert.Equal(ApprovalStates.Pending, StateOnCluster());
    }

    [Fact]
    public async Task Reconcile_RecordOnTheClusterTheWriterNeverSawInTheStore_NotDeleted()
    {
        var ct = TestContext.Current.CancellationToken;
        await _cluster.CreateAsync(Path, ResourceJson(Approval(ApprovalStates.Pending)));
        await _cluster.InformAsync(Approvals);
        var key = Approval(ApprovalStates.Pending).Key;
        await _cluster.WaitForAsync(s => s.Resources.ContainsKey(key), "the record listed into the store");
        _cluster.Mirror.OwnsRecords = () => true;

        // The store lacks a record the mirror holds, as while the mirror is taking it in: not a deletion.
        await _cluster.Store.CommitAsync([new DeleteChange(key)], ct);
        await Writer().ReconcileAsync(ct);

        Assert.Equal(ApprovalStates.Pending, StateOnCluster());
    }

    private ClusterRecordWriter Writer() => new(_cluster.Mirror, _cluster.Api, TimeProvider.System, NullLogger.Instance);

    private JsonObject? OnCluster() => _cluster.Server.Get(ClusterHarness.FakeType(Approvals), "default", Approval(ApprovalStates.Pending).Metadata.Name);

    private string? StateOnCluster() => OnCluster()?["spec"]?["state"]?.GetValue<string>();

    private static JsonObject ResourceJson(ApprovalResource approval)
    {
        var json = ControlPlane.Core.Manifests.ResourceWriter.ToJson(approval);
        var metadata = (JsonObject)json["metadata"]!;
        metadata.Remove("resourceVersion");
        metadata.Remove("generation");
        return json;
    }

    private static ApprovalResource Approval(string state)
    {
        var at = new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero);
        return new ApprovalResource
        {
            Metadata = new ObjectMeta { Name = "web-0a1b2c3d4e", Namespace = "default" },
            Spec = new ApprovalSpec("web", "deployment/default/web:1.3.0", "registry.example/web:1.2.0", "registry.example/web:1.3.0@sha256:" + new string('5', 64), 1, at.AddHours(24), at)
            {
                State = state,
                UpdatedAt = at,
                Reason = state == ApprovalStates.Rejected ? "rejected by admin" : null,
            },
        };
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            try
            {
                await Task.Delay(20, timeout.Token); // polling a condition with a deadline
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"never saw {what}");
            }
        }
    }
}
