using System.Net;
using System.Text.Json.Nodes;
using Linnet.EndToEnd.Tests.Infrastructure;
using static Linnet.EndToEnd.Tests.Infrastructure.CanaryMesh;

namespace Linnet.EndToEnd.Tests;

/// <summary>Manual control and warm rollback through the real control plane, CLI, proxies and traffic: after a
/// promotion the previous version stays warm, and a rollback puts every request back on it within a second with
/// none failing; <c>linnet canary pause|resume|promote|abort</c> act on a running canary, and a promoted version
/// that breaches its thresholds inside the rollback window is rolled back by itself.</summary>
public sealed class CanaryOperationsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan LoadInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxLoad = TimeSpan.FromSeconds(300);

    private static string Canary(int stepWeight, int threshold) => CanaryMesh.Canary($$"""
            interval: 2s
            threshold: {{threshold}}
            maxWeight: 50
            stepWeight: {{stepWeight}}
            rollbackWindow: 5m
            metrics:
              - name: request-success-rate
                thresholdRange: { min: 99 }
                interval: 4s

        """);

    [Fact]
    public async Task RollbackAfterPromotion_UnderLoad_OldVersionServesWithinOneSecondWithNoFailedRequest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ["--metrics-scrape-interval", "500ms"], ct);
        var client = await InitializeAsync(mesh, Canary(stepWeight: 50, threshold: 3), ct);
        await using var load = LoadGenerator.Start([client], LoadInterval, MaxLoad);

        await mesh.ApplyAsync(Backend("2"), ct);
        var succeeded = await WaitForAsync(mesh, c => Phase(c) == "Succeeded" && c["status"]?["standby"]?["until"] is not null, "promoted, v1 warm", ct);
        output.WriteLine(string.Join('\n', Messages(succeeded)));

        // The previous primary (v1) runs as backend-standby; every proxy knows it as a backend of weight 0.
        var instances = await mesh.WaitForInstancesAsync(3, ct);
        Assert.Equal(["backend-primary", "backend-standby", "client"], instances.Select(i => i.Workload).Order(StringComparer.Ordinal));
        await mesh.WaitForConfigAsync([client], ResourceVersion(succeeded), TimeSpan.FromSeconds(10), ct);
        var promotedAt = TimeProvider.System.GetTimestamp();
        await Eventually.UntilAsync(() => load.Records.Count(r => r.StartedAt > promotedAt && r.Version == "v2") >= 100, TimeSpan.FromSeconds(30), "v2 serving", ct);

        var requestedAt = TimeProvider.System.GetTimestamp();
        using var response = await mesh.ApiClient.PostAsync(new Uri(mesh.Api, "api/v1/canaries/default/backend/rollback"), null, ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        // Back on the primary once it runs v1 again, then the standby is scaled down.
        var done = await WaitForAsync(mesh, c => Phase(c) == "Failed" && c["status"]?["standby"] is null, "rolled back, standby scaled down", ct);
        output.WriteLine(string.Join('\n', Messages(done)));
        Assert.Equal("1", Version(await mesh.ResourceAsync("Workload", "backend-primary", ct)));
        Assert.Equal(0, (await mesh.ResourceAsync("Workload", "backend-standby", ct))["spec"]!["replicas"]!.GetValue<int>());
        var command = done["status"]!["command"]!;
        Assert.Equal(("rollback", "admin", "Applied"), (command["action"]!.GetValue<string>(), command["by"]!.GetValue<string>(), command["outcome"]!.GetValue<string>()));
        var settledAt = TimeProvider.System.GetTimestamp();
        await Eventually.UntilAsync(() => load.Records.Count(r => r.StartedAt > settledAt) >= 100, TimeSpan.FromSeconds(30), "load after the rollback", ct);

        var records = await load.StopAsync();
        var afterRequest = records.Where(r => r.StartedAt > requestedAt).ToList();
        LoadAssert.NoneFailed(afterRequest);
        var oneSecondLater = requestedAt + TimeProvider.System.TimestampFrequency;
        var late = afterRequest.Where(r => r.StartedAt > oneSecondLater).ToList();
        Assert.True(late.All(r => r.Version == "v1"), string.Join('\n', late.Where(r => r.Version != "v1").Take(20)));

        // The warm standby took the traffic: no cold start in between.
        Assert.Contains(late, r => r.Backend?.StartsWith("backend-standby", StringComparison.Ordinal) == true);
        await mesh.DownAsync(ct);
    }

    [Fact]
    public async Task CliPauseResumePromote_BadVersionPromoted_RolledBackByTheWindowsAnalysis()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ["--metrics-scrape-interval", "500ms"], ct);
        var client = await InitializeAsync(mesh, Canary(stepWeight: 10, threshold: 8), ct);
        await using var load = LoadGenerator.Start([client], LoadInterval, MaxLoad);

        // v2 fails 10 % of its requests: its analysis would fail it; the operator promotes it by hand.
        await mesh.ApplyAsync(Backend("2", failPercent: 10), ct);
        await WaitForAsync(mesh, c => c["status"]?["canaryWeight"]?.GetValue<int>() == 10, "the canary at 10 %", ct);

        var paused = await mesh.RunCliAsync(ct, "canary", "pause", "backend");
        Assert.True(paused.ExitCode == 0, paused.Output);
        Assert.Contains("Paused by admin: holding backend.default at canary weight", paused.Output, StringComparison.Ordinal);
        Assert.True((await mesh.ResourceAsync("Canary", "backend", ct))["status"]!["paused"]!.GetValue<bool>());

        var again = await mesh.RunCliAsync(ct, "canary", "pause", "backend");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("the canary is already paused", again.Output, StringComparison.Ordinal);

        var resumed = await mesh.RunCliAsync(ct, "canary", "resume", "backend");
        Assert.True(resumed.ExitCode == 0, resumed.Output);
        var promoted = await mesh.RunCliAsync(ct, "canary", "promote", "backend");
        Assert.True(promoted.ExitCode == 0, promoted.Output);
        Assert.Contains("Manual promotion of backend.default by admin", promoted.Output, StringComparison.Ordinal);

        // Inside the rollback window the analysis watches the new primary: eight failed checks, then v1 again.
        var failed = await WaitForAsync(mesh, c => Phase(c) == "Failed" && c["status"]?["standby"] is null, "rolled back after promotion", ct);
        var messages = Messages(failed);
        output.WriteLine(string.Join('\n', messages));
        Assert.Contains(messages, m => m.StartsWith("Rolling back backend.default after promotion: failed checks threshold reached 8", StringComparison.Ordinal));
        Assert.Contains("Rolled back backend.default: all traffic on backend-standby.default (the previous primary)", messages);
        Assert.Equal("1", Version(await mesh.ResourceAsync("Workload", "backend-primary", ct)));

        // abort on a canary that is not under analysis: refused with the reason; an unknown canary: 404.
        var abort = await mesh.RunCliAsync(ct, "canary", "abort", "backend");
        Assert.Equal(1, abort.ExitCode);
        Assert.Contains("abort applies to a canary under analysis (Progressing); this one is Failed", abort.Output, StringComparison.Ordinal);
        var unknown = await mesh.RunCliAsync(ct, "canary", "abort", "nope");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("Canary/default/nope not found", unknown.Output, StringComparison.Ordinal);

        // v3 under analysis, aborted by hand: all traffic back on the primary (v1).
        await mesh.ApplyAsync(Backend("3"), ct);
        await WaitForAsync(mesh, c => c["status"]?["canaryWeight"]?.GetValue<int>() == 10, "v3 at 10 %", ct);
        var aborted = await mesh.RunCliAsync(ct, "canary", "abort", "backend");
        Assert.True(aborted.ExitCode == 0, aborted.Output);
        var final = await mesh.ResourceAsync("Canary", "backend", ct);
        Assert.Equal(("Failed", 0), (Phase(final), final["status"]!["canaryWeight"]!.GetValue<int>()));
        var route = await mesh.ResourceAsync("HTTPRoute", "backend", ct);
        Assert.Equal([100, 0], route["spec"]!["rules"]![0]!["backendRefs"]!.AsArray().Select(b => b!["weight"]!.GetValue<int>()));
        await load.StopAsync();
        await mesh.DownAsync(ct);
    }

    [Fact]
    public async Task MetricTemplate_RealPrometheus_GoodRevisionPromotedFailingOneRolledBackOnTheQuery()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/prometheus"), "Debian's prometheus is not installed (test.sh installs it)");
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ["--metrics-scrape-interval", "500ms"], ct);
        await using var prometheus = await PrometheusProcess.StartAsync(new Uri(mesh.Api, "api/v1/metrics/targets"), Path.Combine(mesh.DataDirectory, AdminTokenHandler.FileName), ct);

        // Flagger's Linkerd success-rate query, written as a MetricTemplate with Flagger's template variables.
        var template = $$$"""
            apiVersion: flagger.app/v1beta1
            kind: MetricTemplate
            metadata: { name: success-percentage }
            spec:
              provider:
                type: prometheus
                address: {{{prometheus.Url}}}
                headers: { X-Scope-OrgID: tenant-a }
              query: |
                sum(rate(response_total{namespace="{{ namespace }}",deployment=~"{{ target }}",classification!="failure",direction="{{ variables.direction }}"}[{{ interval }}]))
                /
                sum(rate(response_total{namespace="{{ namespace }}",deployment=~"{{ target }}",direction="{{ variables.direction }}"}[{{ interval }}]))
                * 100

            """;
        var canary = """
            apiVersion: flagger.app/v1beta1
            kind: Canary
            metadata: { name: backend }
            spec:
              targetRef: { apiVersion: apps/v1, kind: Deployment, name: backend }
              service: { port: 80, targetPort: 8080 }
              analysis:
                # 5 s: the one check at weight 50 (maxWeight: the next step promotes) must see the new revision's
                # traffic scraped by Prometheus (every 1 s; rate() needs two samples), and the 10 s query window
                # must no longer hold the previous canary's (it ended four intervals earlier).
                interval: 5s
                threshold: 3
                maxWeight: 50
                stepWeight: 50
                rollbackWindow: 0s
                metrics:
                  - name: success-percentage
                    templateRef: { name: success-percentage }
                    templateVariables: { direction: inbound }
                    thresholdRange: { min: 99 }
                    interval: 10s

            """;
        var client = await InitializeAsync(mesh, Manifests.Join(template, canary), ct);
        await using var load = LoadGenerator.Start([client], LoadInterval, MaxLoad);

        await mesh.ApplyAsync(Backend("2"), ct);
        var succeeded = await WaitForAsync(mesh, c => Phase(c) == "Succeeded", "v2 promoted", ct);
        output.WriteLine(string.Join('\n', Messages(succeeded)));
        var passed = succeeded["status"]!["metrics"]!.AsArray().Single()!;
        Assert.True(passed["passed"]!.GetValue<bool>() && passed["value"]!.GetValue<double>() >= 99, passed.ToJsonString());

        // v3 fails 20 % of its requests: the template's query, run in Prometheus, sees it.
        await mesh.ApplyAsync(Backend("3", failPercent: 20), ct);
        var failed = await WaitForAsync(mesh, c => Phase(c) == "Failed", "v3 rolled back", ct);
        output.WriteLine(string.Join('\n', Messages(failed)));
        var metric = failed["status"]!["metrics"]!.AsArray().Single()!;
        Assert.Equal("success-percentage", metric["name"]!.GetValue<string>());
        Assert.False(metric["passed"]!.GetValue<bool>());
        Assert.InRange(metric["value"]!.GetValue<double>(), 50, 98.99);
        Assert.Contains(Messages(failed), m => m.StartsWith("Halt backend.default advancement success-percentage ", StringComparison.Ordinal) && m.EndsWith(" < 99", StringComparison.Ordinal));
        Assert.Equal("2", Version(await mesh.ResourceAsync("Workload", "backend-primary", ct)));
        await load.StopAsync();
        await mesh.DownAsync(ct);
    }

}
