using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Linnet.Cli.Output;
using Spectre.Console;

namespace Linnet.Cli.Commands.Check;

/// <summary>Builds <c>linnet check</c>. With <c>--platform kubernetes</c> (or a <c>--kubeconfig</c>): Linkerd's
/// Kubernetes checks of the install (<see cref="KubernetesCheck"/>). Otherwise, universal mode: the whole mesh — is the control plane reachable, does every workload
/// have its replicas, and is every instance well: its proxy connected, ready and on the newest config, its app
/// ready, and neither crashing (restarts, last exit code and reason)? Exit 0 only when everything holds, 1
/// naming what does not, 3 when the control plane cannot be reached.</summary>
internal static class CheckCommand
{
    /// <summary>An instance whose app or proxy exited this recently is still crash-looping, or just was.</summary>
    public static readonly TimeSpan RecentExit = TimeSpan.FromMinutes(2);

    public static Command Create()
    {
        var output = CliOptions.Output();
        var wait = new Option<string>("--wait") { Description = "Keep checking until everything passes or this much time has gone by, as linkerd check does (0s: check once).", DefaultValueFactory = _ => "5m" };
        var platform = new Option<string?>("--platform") { Description = "universal (the default: the control plane, every workload, instance and proxy) or kubernetes (the install in the cluster, in linkerd check's categories; implied by --kubeconfig)." };
        platform.AcceptOnlyFromAmong("universal", "kubernetes");
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "With --platform kubernetes: the kubeconfig file (default KUBECONFIG, ~/.kube/config, or the pod's in-cluster configuration)." };
        var command = new Command("check", "Check the whole mesh: the control plane, every workload, every instance's proxy and app; or, with --platform kubernetes, the install in the cluster.") { output, wait, platform, kubeconfig };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var printer = CliOptions.Printer(parse, output);
            if (!Linnet.Api.Yaml.DurationParser.TryParse(parse.GetValue(wait)!, out var waitFor) || waitFor < TimeSpan.Zero)
            {
                printer.Error($"--wait: '{parse.GetValue(wait)}' is not a duration such as 0s, 30s or 5m");
                return ExitCodes.Invalid;
            }

            var kubernetes = parse.GetValue(platform) == "kubernetes" || (parse.GetValue(platform) is null && parse.GetValue(kubeconfig) is not null);
            if (!kubernetes && parse.GetValue(kubeconfig) is not null)
            {
                printer.Error("--kubeconfig: only with --platform kubernetes (universal mode checks the control plane at --api)");
                return ExitCodes.Invalid;
            }

            if (kubernetes)
            {
                return await KubernetesCheck.RunAsync(printer, parse.GetValue(kubeconfig), waitFor, cancellationToken);
            }

            var client = CliOptions.Client(parse);
            var time = TimeProvider.System;
            var started = time.GetTimestamp();
            using var retry = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
            var outcome = await RunAsync(client, time, cancellationToken);

            // The outcome printed is the one that decided: a pass is never checked again (a mesh that is rolling
            // a release out may pass now and be between two steps a moment later).
            while (outcome.Code == ExitCodes.Failed
                && time.GetElapsedTime(started) < waitFor
                && await retry.WaitForNextTickAsync(cancellationToken))
            {
                // Not yet: the mesh may still be starting.
                outcome = await RunAsync(client, time, cancellationToken);
            }

            outcome.Print(printer);
            return outcome.Code;
        });
        return command;
    }

    /// <summary>One check's result: its exit code and how to print it.</summary>
    private sealed record Outcome(int Code, Action<Printer> Print);

    private static async Task<Outcome> RunAsync(Api.ControlPlaneClient client, TimeProvider time, CancellationToken cancellationToken)
    {
        var report = new JsonObject { ["ok"] = false };
        var controlPlane = new JsonObject { ["address"] = client.BaseAddress.ToString() };
        report["controlPlane"] = controlPlane;
        if (await client.HealthAsync(cancellationToken) is null)
        {
            controlPlane["reachable"] = false;
            report["problems"] = new JsonArray(JsonValue.Create($"the control plane at {client.BaseAddress} cannot be reached"));
            return new Outcome(ExitCodes.Unreachable, printer =>
            {
                printer.Print(report, () => new Table().AddColumns("CHECK", "").AddRow("control plane reachable", $"[red]✗[/] {Markup.Escape(client.BaseAddress.ToString())}"));
                if (printer.Format == OutputFormat.Table)
                {
                    printer.Error($"the control plane at {client.BaseAddress} cannot be reached (is it up? `linnet up`)");
                }
            });
        }

        controlPlane["reachable"] = true;
        var proxies = (await client.ProxiesAsync(cancellationToken)).Body;
        var instances = ((await client.ListAsync("Instance", null, cancellationToken)).Body?["items"]?.AsArray() ?? []).OfType<JsonNode>().ToList();
        var workloads = ((await client.ListAsync("Workload", null, cancellationToken)).Body?["items"]?.AsArray() ?? []).OfType<JsonNode>().ToList();
        controlPlane["revision"] = proxies?["revision"]?.DeepClone();

        // One instance may show up twice for a moment (a replaced proxy whose stream has not ended yet): the newest counts.
        var connected = (proxies?["proxies"]?.AsArray() ?? []).OfType<JsonNode>()
            .GroupBy(p => $"{p["namespace"]}/{p["instance"]}")
            .ToDictionary(g => g.Key, g => g.MaxBy(p => p["connectedSince"]?.ToString(), StringComparer.Ordinal)!);
        using var admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(3) };
        var problems = new List<string>();

        var workloadReports = new JsonArray();
        foreach (var workload in workloads)
        {
            var ns = workload["metadata"]?["namespace"]?.ToString() ?? "default";
            var name = workload["metadata"]?["name"]?.ToString() ?? "";
            var desired = workload["spec"]?["replicas"]?.GetValue<int>() ?? 0;
            var mine = instances.Where(i => i["metadata"]?["namespace"]?.ToString() == ns && i["spec"]?["workload"]?.ToString() == name).ToList();
            var ready = mine.Count(i => i["spec"]?["ready"]?.GetValue<bool>() == true);
            var ok = ready == desired && mine.Count == desired;
            if (!ok)
            {
                problems.Add($"workload {ns}/{name}: {ready} of {desired} replicas ready");
            }

            workloadReports.Add(new JsonObject { ["namespace"] = ns, ["name"] = name, ["replicas"] = desired, ["ready"] = ready, ["ok"] = ok });
        }

        var instanceReports = new JsonArray();
        foreach (var instance in instances)
        {
            var key = $"{instance["metadata"]?["namespace"]}/{instance["metadata"]?["name"]}";
            var spec = instance["spec"];
            var isConnected = connected.ContainsKey(key);
            var proxyReady = false;
            string? version = null;
            try
            {
                var baseUri = new Uri($"http://{spec?["address"]}:{spec?["proxyAdminPort"]}");
                using var readyResponse = await admin.GetAsync(new Uri(baseUri, "/ready"), cancellationToken);
                proxyReady = readyResponse.IsSuccessStatusCode;
                version = (await admin.GetStringAsync(new Uri(baseUri, "/config-version"), cancellationToken)).Trim();
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not answering: not ready.
            }

            // Current: the control plane has sent this proxy the newest view, and the proxy applied it.
            var sent = isConnected ? connected[key]["version"]?.ToString() : null;
            var current = isConnected && connected[key]["upToDate"]?.GetValue<bool>() == true && version == sent;
            var ready = spec?["ready"]?.GetValue<bool>() == true;
            var restarts = spec?["restarts"]?.GetValue<int>() ?? 0;
            var lastExit = spec?["lastExit"];
            var exitedRecently = lastExit?["at"]?.ToString() is { } at
                && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var when)
                && time.GetUtcNow() - when < RecentExit;
            var mine = new List<string>();
            if (!isConnected)
            {
                mine.Add("proxy not connected to the control plane");
            }

            if (!proxyReady)
            {
                mine.Add(version is null ? "proxy not answering on its admin port" : "proxy not ready");
            }

            if (isConnected && proxyReady && !current)
            {
                mine.Add($"proxy on config {version ?? "none"}, control plane sent {sent ?? "nothing"}");
            }

            if (!ready && proxyReady)
            {
                mine.Add("app not ready");
            }

            if (exitedRecently)
            {
                mine.Add($"{lastExit?["process"]} {lastExit?["reason"]} at {lastExit?["at"]} ({restarts} restarts)");
            }

            problems.AddRange(mine.Select(p => $"instance {key}: {p}"));
            instanceReports.Add(new JsonObject
            {
                ["namespace"] = instance["metadata"]?["namespace"]?.DeepClone(),
                ["name"] = instance["metadata"]?["name"]?.DeepClone(),
                ["workload"] = spec?["workload"]?.DeepClone(),
                ["ready"] = ready,
                ["proxy"] = new JsonObject { ["connected"] = isConnected, ["ready"] = proxyReady, ["configVersion"] = version, ["sentVersion"] = sent, ["current"] = current },
                ["restarts"] = restarts,
                ["lastExit"] = lastExit?.DeepClone(),
                ["ok"] = mine.Count == 0,
                ["problems"] = new JsonArray([.. mine.Select(p => (JsonNode?)JsonValue.Create(p))]),
            });
        }

        // An instance on a loopback address shares the host: its ports are open to every local process.
        var shared = instances.Count(i => System.Net.IPAddress.TryParse(i["spec"]?["address"]?.ToString(), out var a) && System.Net.IPAddress.IsLoopback(a));
        report["notIsolated"] = shared;
        report["ok"] = problems.Count == 0;
        report["workloads"] = workloadReports;
        report["instances"] = instanceReports;
        report["problems"] = new JsonArray([.. problems.Select(p => (JsonNode?)JsonValue.Create(p))]);
        return new Outcome(problems.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed, printer => Print(printer, client, report, instanceReports, problems, shared, workloads.Count, instances.Count));
    }

    private static void Print(Printer printer, Api.ControlPlaneClient client, JsonObject report, JsonArray instanceReports, List<string> problems, int shared, int workloads, int instances)
    {
        var console = printer.Console;
        printer.Print(report, () => Table(instanceReports));
        if (printer.Format == OutputFormat.Table)
        {
            console.MarkupLineInterpolated($"[green]✓[/] control plane reachable at {client.BaseAddress} (store revision {report["controlPlane"]?["revision"]?.ToString() ?? ""})");
            if (shared > 0)
            {
                console.MarkupLineInterpolated($"[yellow]![/] {shared} instance(s) are not isolated: they share the host's network and user (run the control plane as root for a network namespace and uid each)");
            }

            foreach (var problem in problems)
            {
                console.MarkupLineInterpolated($"[red]✗[/] {problem}");
            }

            console.MarkupLine(problems.Count == 0
                ? $"[green]✓[/] {workloads} workloads, {instances} instances: every app ready, every proxy connected, ready and on the newest config"
                : $"[red]✗[/] {problems.Count} problem{(problems.Count == 1 ? "" : "s")}");
        }
    }

    private static Table Table(JsonArray instances)
    {
        var table = new Table().AddColumns("INSTANCE", "READY", "PROXY CONNECTED", "PROXY READY", "CONFIG", "RESTARTS", "LAST EXIT", "");
        foreach (var i in instances.OfType<JsonNode>())
        {
            var exit = i["lastExit"];
            table.AddRow(
                Markup.Escape($"{i["namespace"]}/{i["name"]}"),
                Mark(i["ready"]?.GetValue<bool>() == true),
                Mark(i["proxy"]?["connected"]?.GetValue<bool>() == true),
                Mark(i["proxy"]?["ready"]?.GetValue<bool>() == true),
                Markup.Escape(i["proxy"]?["configVersion"]?.ToString() ?? "-"),
                Markup.Escape(i["restarts"]?.ToString() ?? "0"),
                Markup.Escape(exit is null ? "-" : $"{exit["process"]}: {exit["reason"]} at {exit["at"]}"),
                i["ok"]?.GetValue<bool>() == true ? "[green]✓[/]" : "[red]✗[/]");
        }

        return table;
    }

    private static string Mark(bool value) => value ? "[green]yes[/]" : "[red]no[/]";
}
