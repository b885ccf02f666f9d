using System.Globalization;
using System.Text.Json.Nodes;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>The mesh every canary test releases into: a <c>client</c> workload to send load through, the
/// <c>backend</c> target (one instance of <see cref="TrafficApp"/>), and a Flagger Canary for it; and the canary's
/// status as the tests read it (phase, events, the version a workload runs).</summary>
internal static class CanaryMesh
{
    /// <summary>How long a release step may take on a loaded machine.</summary>
    public static readonly TimeSpan RolloutTimeout = TimeSpan.FromSeconds(150);

    /// <summary>A Flagger Canary named <c>backend</c> for the <c>backend</c> target on port 80 → 8080, with
    /// <paramref name="analysis"/> (its lines, indented under <c>analysis:</c>) and <paramref name="spec"/> (more spec lines).</summary>
    public static string Canary(string analysis, string spec = "  progressDeadlineSeconds: 120\n") => $"""
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: {"{"} name: backend {"}"}
        spec:
          targetRef: {"{"} apiVersion: apps/v1, kind: Deployment, name: backend {"}"}
        {spec}  service: {"{"} port: 80, targetPort: 8080 {"}"}
          analysis:
        {analysis}

        """;

    /// <summary>The <c>backend</c> target running <paramref name="version"/>.</summary>
    public static string Backend(string version, double failPercent = 0, int delayMs = 0, int replicas = 1) =>
        TrafficApp.Workload("backend", replicas, "{ app: backend }", version, "backend", failPercent: failPercent, delayMs: delayMs);

    /// <summary>The <c>client</c> workload the load goes through.</summary>
    public static string Client => TrafficApp.Workload("client", 1, "{ app: client }", "0", "client");

    /// <summary>Applies the client, backend v1 and <paramref name="canary"/>; returns the client's address once the
    /// canary is initialized and only the primary and the client run.</summary>
    public static async Task<string> InitializeAsync(Mesh mesh, string canary, CancellationToken ct)
    {
        await mesh.ApplyAsync(Manifests.Join(Client, Backend("1"), canary), ct);
        await WaitForAsync(mesh, c => Phase(c) == "Initialized", "the canary Initialized", ct);
        var instances = await mesh.WaitForInstancesAsync(2, ct);
        return instances.Single(i => i.Workload == "client").Address;
    }

    /// <summary>The Canary once <paramref name="condition"/> holds.</summary>
    public static async Task<JsonNode> WaitForAsync(Mesh mesh, Func<JsonNode, bool> condition, string what, CancellationToken ct)
    {
        JsonNode canary = new JsonObject();
        await Eventually.UntilAsync(
            async () => condition(canary = await mesh.ResourceAsync("Canary", "backend", ct)),
            RolloutTimeout,
            what,
            ct,
            () => $"{canary["status"]?.ToJsonString()}\n{mesh.ControlPlaneTail()}");
        return canary;
    }

    /// <summary>The Canary once it is in <paramref name="phase"/>.</summary>
    public static Task<JsonNode> WaitForPhaseAsync(Mesh mesh, string phase, CancellationToken ct) =>
        WaitForAsync(mesh, c => Phase(c) == phase, $"the canary {phase}", ct);

    public static string? Phase(JsonNode canary) => canary["status"]?["phase"]?.GetValue<string>();

    public static long ResourceVersion(JsonNode resource) =>
        long.Parse(resource["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture);

    /// <summary>The app's version: its <c>VERSION</c> variable (<see cref="TrafficApp"/>).</summary>
    public static string? Version(JsonNode workload) =>
        workload["spec"]!["env"]!.AsArray().FirstOrDefault(e => e!["name"]!.GetValue<string>() == "VERSION")?["value"]?.GetValue<string>();

    /// <summary>The canary's event messages, oldest first; only those of <paramref name="type"/> when given.</summary>
    public static List<string> Messages(JsonNode canary, string? type = null) =>
        [.. (canary["status"]?["events"]?.AsArray() ?? []).Where(e => type is null || e!["type"]!.GetValue<string>() == type).Select(e => e!["message"]!.GetValue<string>())];
}
