using Linnet.Cli.Api;
using Linnet.Cli.Commands.Get;
using Linnet.Cli.Output;
using Linnet.ControlPlane;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Spectre.Console;

namespace Linnet.Cli.Tests.Commands.GetCanaries;

/// <summary><c>linnet get canaries</c> against a real control plane: phase, weight, failed checks, and each
/// metric's last value with the range it was held against (Flagger #1810).</summary>
public sealed class GetCanariesTests
{
    [Fact]
    public async Task Run_CanaryWithStatus_TableShowsPhaseWeightChecksAndMetrics()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await CliControlPlane.StartAsync(ct);
        var store = cp.Store;

        // Suspended: the running canary controller leaves this status as written.
        var canary = (CanaryResource)ManifestParser.Parse("""
            apiVersion: flagger.app/v1beta1
            kind: Canary
            metadata: { name: web }
            spec:
              suspend: true
              targetRef: { kind: Workload, name: web }
              service: { port: 80 }
              analysis:
                stepWeight: 10
                metrics: [ { name: request-success-rate, thresholdRange: { min: 99 } } ]
            """, "t").Resources.Single();
        var at = new DateTimeOffset(2026, 12, 4, 4, 0, 0, TimeSpan.Zero);
        await store.CommitAsync([new PutChange(canary with
        {
            Status = new CanaryStatus
            {
                Phase = CanaryPhases.Progressing,
                CanaryWeight = 30,
                FailedChecks = 2,
                LastTransitionTime = at,
                Metrics = [new CanaryMetricStatus("request-success-rate", 97.5, 99, null, false, at)],
            },
        })], ct);
        var client = cp.Client;
        var stdout = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout), Ansi = AnsiSupport.No });
        console.Profile.Width = 250;

        Assert.Equal(0, await new GetHandler(client, new Printer(console, OutputFormat.Table)).RunAsync("Canary", null, "default", ct));

        var lines = stdout.ToString().Split('\n');
        Assert.Contains(lines, l => l.Contains("STATUS", StringComparison.Ordinal) && l.Contains("WEIGHT", StringComparison.Ordinal) && l.Contains("FAILED CHECKS", StringComparison.Ordinal));
        var row = Assert.Single(lines, l => l.Contains(" web ", StringComparison.Ordinal));
        Assert.Matches(@"web\s+Progressing\s+30\s+2\s+request-success-rate=97\.5\(>=99\)!", row);
    }
}
