using System.Diagnostics;
using System.Globalization;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.Platform.Universal.Store;
using Linnet.StoreCrashDriver;
using Linnet.Testing;
using static Linnet.Platform.Universal.Tests.Store.StoreTestData;

namespace Linnet.Platform.Universal.Tests.Store;

/// <summary>The real thing: a process committing as fast as it can, killed with SIGKILL at a random moment.</summary>
public sealed class FileResourceStoreCrashTests
{
    private const int Rounds = 5;

    // Small, so that kills also land in the middle of compactions.
    private const long CompactAfterBytes = 8 * 1024;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static string DriverPath => Path.Combine(AppContext.BaseDirectory, "Linnet.StoreCrashDriver.dll");

    private static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    [Fact]
    public async Task CommitAsync_ProcessKilledAtRandomMoments_EveryAcknowledgedCommitSurvives()
    {
        var seed = Environment.TickCount;
        TestContext.Current.TestOutputHelper?.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var dir = new TempDirectory();
        var acked = new List<(long Revision, int Round, int Index)>();
        long revision = 0;

        for (var round = 0; round < Rounds; round++)
        {
            var target = random.Next(5, 120);
            IReadOnlyList<string> lines;
            await using (var driver = await TestProcess.StartAsync(
                DotnetHost,
                [DriverPath, dir.Path, round.ToString(CultureInfo.InvariantCulture), CompactAfterBytes.ToString(CultureInfo.InvariantCulture)],
                cancellationToken: Ct))
            {
                await driver.WaitForOutputAsync(" " + CrashWorkloads.Name(round, target), Timeout, Ct);
                if (round == 0)
                {
                    // Another process holds the directory: opening it here must fail, not share it.
                    var ex = await Assert.ThrowsAsync<DataDirectoryInUseException>(() => OpenAsync(dir.Path));
                    Assert.Contains(dir.Path, ex.Message, StringComparison.Ordinal);
                }

                using (var process = Process.GetProcessById(driver.Id))
                {
                    process.Kill();
                }

                var exitCode = await driver.WaitForExitAsync(Timeout, Ct);
                Assert.True(exitCode == 137, $"driver exited with {exitCode}, not by SIGKILL (seed {seed}):\n{driver.Output}");
                lines = driver.Lines;
            }

            var roundAcks = lines.Where(l => l.StartsWith("acked ", StringComparison.Ordinal)).Select(l => l.Split(' ')).ToList();
            Assert.True(roundAcks.Count > target, $"round {round}: {roundAcks.Count} acks (seed {seed})");
            for (var index = 0; index < roundAcks.Count; index++)
            {
                Assert.Equal(CrashWorkloads.Name(round, index), roundAcks[index][2]);
                acked.Add((long.Parse(roundAcks[index][1], CultureInfo.InvariantCulture), round, index));
            }

            // Revisions continue from the state the previous round left, one per commit.
            Assert.Equal(revision + 1, acked[^roundAcks.Count].Revision);

            using var store = await OpenAsync(dir.Path);
            Assert.True(store.Revision >= acked[^1].Revision, $"round {round}: revision {store.Revision} < last acked {acked[^1].Revision} (seed {seed})");
            foreach (var (ackedRevision, ackRound, index) in acked)
            {
                var expected = CrashWorkloads.Workload(ackRound, index);
                var found = store.Find(expected.Key);
                Assert.True(found is not null, $"round {round}: acknowledged {expected.Key} at revision {ackedRevision} is missing (seed {seed})");
                expected = expected with { Metadata = expected.Metadata with { ResourceVersion = ackedRevision, Generation = 1 } };
                Assert.Equal(ResourceWriter.ToJsonLine(expected), ResourceWriter.ToJsonLine(found));
            }

            // Each commit wrote a workload and the progress service together: the last one names the last
            // workload, at the same revision, and that is the store's revision (at most one unacknowledged).
            var progress = store.Find(new ResourceKey(ServiceResource.KindName, "default", CrashWorkloads.ProgressName));
            Assert.NotNull(progress);
            Assert.Equal(store.Revision, progress.Metadata.ResourceVersion);
            var last = store.Find(new ResourceKey(WorkloadResource.KindName, "default", progress.Metadata.Annotations[CrashWorkloads.LastAnnotation]));
            Assert.NotNull(last);
            Assert.Equal(store.Revision, last.Metadata.ResourceVersion);
            Assert.InRange(store.Revision, acked[^1].Revision, acked[^1].Revision + 1);
            revision = store.Revision;
        }
    }
}
