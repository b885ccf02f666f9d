using System.Text.Json.Nodes;
using Linnet.Platform.Kubernetes.Cluster;
using Linnet.Testing.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Platform.Kubernetes.Tests.Cluster;

/// <summary>Two replicas campaigning for one Lease against the fake API server: one leads and works, the other waits
/// while the leader renews, and takes over once the first stops renewing and the lease expires.</summary>
public sealed class ClusterLeadershipTests : IAsyncLifetime
{
    private ClusterHarness _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await ClusterHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    private static LeadershipOptions Options(string identity) => new("linnet", "linnet-control-plane", identity)
    {
        LeaseDuration = TimeSpan.FromSeconds(3),
        RenewDeadline = TimeSpan.FromSeconds(2),
        RetryPeriod = TimeSpan.FromMilliseconds(200),
    };

    private JsonObject? Lease() => _cluster.Server.Get(FakeResourceType.Leases, "linnet", "linnet-control-plane");

    private static string? Holder(JsonObject? lease) => lease?["spec"]?["holderIdentity"]?.GetValue<string>();

    [Fact]
    public async Task TwoReplicas_OneLeads_TheOtherTakesOverWhenItStopsRenewing()
    {
        var ct = TestContext.Current.CancellationToken;
        var aLeads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bLeads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aWorkEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var a = new ClusterLeadership(_cluster.Client, Options("replica-a"), NullLogger.Instance);
        var b = new ClusterLeadership(_cluster.Client, Options("replica-b"), NullLogger.Instance);
        using var stopA = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var stopB = CancellationTokenSource.CreateLinkedTokenSource(ct);

        var runA = a.RunAsync(async token =>
        {
            aLeads.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            finally
            {
                aWorkEnded.TrySetResult();
            }
        }, stopA.Token);
        await aLeads.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        var runB = b.RunAsync(_ => { bLeads.TrySetResult(); return Task.CompletedTask; }, stopB.Token);

        // While A renews (the lease's resourceVersion moves on several times), B does not lead.
        var renewedFrom = long.Parse(Lease()!["metadata"]!["resourceVersion"]!.GetValue<string>());
        await WaitUntilAsync(() => long.Parse(Lease()!["metadata"]!["resourceVersion"]!.GetValue<string>()) >= renewedFrom + 5, "A renewing its lease");
        Assert.True(a.IsLeader);
        Assert.False(b.IsLeader);
        Assert.False(bLeads.Task.IsCompleted);
        Assert.Equal("replica-a", Holder(Lease()));

        // A stops (it does not release the lease): its work is stopped, and B takes over after the lease expires.
        await stopA.CancelAsync();
        await runA;
        Assert.True(aWorkEnded.Task.IsCompleted);
        await bLeads.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);

        Assert.True(b.IsLeader);
        Assert.Equal("replica-b", Holder(Lease()));
        Assert.Equal(1, Lease()!["spec"]!["leaseTransitions"]!.GetValue<int>());
        await stopB.CancelAsync();
        await runB;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"never saw {what}");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken); // polling the fake's state, not a stand-in for an event
        }
    }
}
