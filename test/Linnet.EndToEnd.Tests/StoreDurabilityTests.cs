using System.Globalization;
using System.Net;
using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>What the API acknowledged survives a SIGKILL of the control plane.</summary>
public sealed class StoreDurabilityTests(ITestOutputHelper output)
{
    private const int Rounds = 3;
    private const int MaxAppliesPerRound = 500;

    [Fact]
    public async Task ControlPlaneKilled_DuringApplies_StoreIntact()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        var acknowledged = new List<(string Name, long Revision)>();
        for (var round = 1; round <= Rounds; round++)
        {
            // Killed after a random number of acknowledgements, while the next apply is in flight.
            var killAfter = Random.Shared.Next(5, 40);
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thisRound = new List<(string Name, long Revision)>();
            var applying = ApplyUntilUnreachableAsync(mesh, round, thisRound, killAfter, reached, ct);
            await reached.Task.WaitAsync(Mesh.StartTimeout, ct);
            await mesh.KillControlPlaneAsync(ct);
            await applying.WaitAsync(TimeSpan.FromSeconds(30), ct);
            acknowledged.AddRange(thisRound);

            await mesh.StartControlPlaneAsync(ct);
            var revision = await mesh.RevisionAsync(ct);
            output.WriteLine($"round {round}: {thisRound.Count} acknowledged (kill after {killAfter}), last at revision {thisRound[^1].Revision}; store at {revision} after the restart");
            Assert.True(revision >= acknowledged[^1].Revision, $"store revision {revision} < last acknowledged {acknowledged[^1].Revision}");
            foreach (var (name, _) in acknowledged)
            {
                Assert.Equal(HttpStatusCode.OK, await mesh.GetStatusAsync("Service", name, ct));
            }
        }

        Assert.Equal(acknowledged.Select(a => a.Revision).Order(), acknowledged.Select(a => a.Revision));
        Assert.Equal(acknowledged.Count, acknowledged.Select(a => a.Revision).Distinct().Count());
        Assert.Superset(acknowledged.Select(a => a.Name).ToHashSet(), await mesh.NamesAsync("Service", ct));
        await mesh.DownAsync(ct);
    }

    private static async Task ApplyUntilUnreachableAsync(Mesh mesh, int round, List<(string Name, long Revision)> acknowledged, int signalAfter, TaskCompletionSource reached, CancellationToken ct)
    {
        for (var i = 0; i < MaxAppliesPerRound; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"svc-r{round}-{i}");
            try
            {
                var (status, body) = await mesh.SendApplyAsync(Manifests.Service(name, $"{{ app: {name} }}"), ct);
                Assert.True(status == HttpStatusCode.OK, $"apply of {name} answered {(int)status}: {body}");
                acknowledged.Add((name, body!["revision"]!.GetValue<long>()));
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
            {
                // The control plane is gone.
                return;
            }

            if (acknowledged.Count == signalAfter)
            {
                reached.TrySetResult();
            }
        }

        reached.TrySetException(new InvalidOperationException($"still applying after {MaxAppliesPerRound} manifests: the control plane was not killed"));
    }
}
