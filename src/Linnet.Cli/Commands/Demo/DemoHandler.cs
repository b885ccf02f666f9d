using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Linnet.Cli.Api;
using Linnet.Cli.Commands.Apply;
using Linnet.Cli.Output;
using Linnet.Cli.Processes;
using Linnet.ControlPlane;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Universal.Isolation;
using Linnet.Platform.Universal.Store;
using Linnet.Platform.Universal.Supervisor;
using Linnet.Api.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Linnet.Cli.Commands.Demo;

/// <summary><c>linnet demo</c>: the sample mesh (a web frontend, an HTTP backend with two replicas, a gRPC
/// greeter, a load generator) in universal mode on this machine, with the proxies' own metrics shown live
/// over the last <see cref="Window"/>. Everything runs under a throwaway data directory; Ctrl-C (or SIGTERM)
/// stops every instance, a second Ctrl-C forces.</summary>
internal sealed class DemoHandler(IAnsiConsole console, TimeProvider time, string home)
{
    /// <summary>The figures on screen cover this much recent time (rates, success, latency).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    // The releases' lines shown under the live figures (all of them are printed when the demo stops).
    private const int RolloutLinesShown = 12;

    private int _printedLines;

    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(3) };
    private static readonly (string, string)[] Inbound = [("direction", "inbound")];
    private static readonly (string, string)[] Outbound = [("direction", "outbound")];

    public async Task<int> RunAsync(DemoOptions options, CancellationToken cancellationToken)
    {
        using var termination = new Termination(cancellationToken);
        var stopping = termination.Stopping;
        var dataDir = Directory.CreateTempSubdirectory("linnet-demo-").FullName;
        var apiEndPoint = new IPEndPoint(IPAddress.Loopback, FreePort());
        var grpcEndPoint = new IPEndPoint(IPAddress.Loopback, FreePort());
        var manifestPath = Path.Combine(Installation.Directory, "demo", "mesh.yaml");
        var manifest = await File.ReadAllTextAsync(manifestPath, cancellationToken);

        console.MarkupLine("[bold]Linnet demo[/]: a web frontend, an HTTP backend (2 replicas), a gRPC greeter and a load generator,");
        console.MarkupLine(options.Isolation is null
            ? "each instance on its own loopback address beside its own [green]linnet-proxy[/], in universal mode."
            : "each instance in a pod of its own (network namespace and users) beside its own [green]linnet-proxy[/], in universal mode.");
        var linnet = Installation.LinkOntoPath(home);
        string proxy;
        try
        {
            proxy = await ProxyAsync(dataDir, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            console.MarkupLine("Stopped while building.");
            return termination.ExitCode(ExitCodes.Failed);
        }

        // As root, every instance is a pod of its own (network namespace, uid; docs/universal-mode.md): the
        // control plane's gRPC listens on the pods' bridge, where their proxies reach it.
        var isolation = options.Isolation;
        if (isolation is not null)
        {
            try
            {
                (isolation, var bridge) = IsolationSupport.PrepareBridge(isolation, dataDir);
                grpcEndPoint = new IPEndPoint(bridge, grpcEndPoint.Port);
                console.MarkupLineInterpolated($"Pods are on {isolation.Network}; apps reach services by name, and only through their proxy.");
            }
            catch (IsolationException ex)
            {
                console.MarkupLineInterpolated($"[red]isolation: {ex.Message}[/] (--isolation off runs the demo on loopback addresses)");
                return ExitCodes.Failed;
            }
        }
        else if (options.NotIsolated is { } reason)
        {
            console.MarkupLineInterpolated($"[yellow]![/] instances are not isolated ({reason}): each has a loopback address of its own.");
        }

        using var store = await FileResourceStore.OpenAsync(Path.Combine(dataDir, "store"), NullLogger<FileResourceStore>.Instance, cancellationToken: CancellationToken.None);
        // The admin credential in the demo's own data directory (owner-only), where the printed hints'
        // `linnet --data-dir ...` finds it.
        var hostOptions = new ControlPlaneOptions
        {
            GrpcListen = grpcEndPoint,
            HttpListen = apiEndPoint,
            ShutdownTimeout = TimeSpan.FromSeconds(30),
            AdminCredentialFile = Path.Combine(dataDir, Linnet.ControlPlane.Security.AdminCredential.FileName),

            // The canary's checks read the proxies' figures: scraped every second, a demo's step can be a few seconds.
            Metrics = new Linnet.ControlPlane.Metrics.MetricsOptions { ScrapeInterval = TimeSpan.FromSeconds(1) },
        };
        await using var host = ControlPlaneHost.Create(hostOptions, store, services =>
        {
            services.AddLogging(logging => logging.AddFilter("Linnet", LogLevel.Warning));
            services.AddSingleton<IHostLifetime, CommandLifetime>();
            services.AddSingleton(sp => new SupervisorOptions
            {
                DataDirectory = dataDir,
                ControlPlaneAddress = grpcEndPoint.ToString(),
                ProxyCommand = proxy,
                ProgramDirectories = [Installation.Directory],
                Isolation = isolation,
                DefaultInboundPolicy = hostOptions.DefaultInboundPolicy,
                Environment = sp.GetRequiredService<Linnet.ControlPlane.Security.WebhookSigningKey>().WorkloadEnvironment(),
            });
            services.AddHostedService<WorkloadSupervisor>();
        });
        var api = $"http://{apiEndPoint}";
        var token = host.AdminCredential.Token;
        var client = ControlPlaneClient.Create(api, () => token);
        var code = ExitCodes.Ok;
        try
        {
            await host.StartAsync(stopping);
            if (await new ApplyHandler(client, new Printer(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) }), OutputFormat.Table)).RunAsync([(manifestPath, manifest)], stopping) != ExitCodes.Ok)
            {
                console.MarkupLine("[red]the demo manifests were rejected[/]");
                return ExitCodes.Failed;
            }

            var ready = await console.Status().StartAsync("Starting 5 instances and their proxies", async _ => await WaitReadyAsync(store, 5, stopping));
            if (!ready)
            {
                stopping.ThrowIfCancellationRequested();
                console.MarkupLineInterpolated($"[red]the instances did not all become ready[/]; logs are under {dataDir}/instances");
                return ExitCodes.Failed;
            }

            PrintWhere(store.Snapshot(), linnet, api, grpcEndPoint, dataDir, isolation is not null);
            console.MarkupLineInterpolated($"{(options.Duration is { } d ? $"Running for {d.TotalSeconds:0} s (Ctrl-C stops sooner)." : "Ctrl-C stops everything.")} The load generator sends 10 requests/s to web; web calls backend over HTTP and greeter over gRPC.");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            if (options.Duration is { } duration)
            {
                stop.CancelAfter(duration);
            }

            // The releases run beside the live figures: a Canary for backend, a good v2, a bad v3.
            var rollout = options.Rollout ? new DemoRollout(client, store, Path.GetDirectoryName(manifestPath)!, time) : null;
            if (rollout is not null)
            {
                console.MarkupLine("[bold]Progressive delivery[/]: a Flagger Canary for backend, then release v2 (good, promoted) and v3 (30 % errors, rolled back), step by step below.");
            }

            var releases = rollout?.RunAsync(stop.Token) ?? Task.CompletedTask;
            await ShowLiveAsync(store, options.RefreshInterval, rollout, stop.Token);
            await releases;
            if (rollout is not null && _printedLines == 0)
            {
                // Redrawn in place so far: the whole story once more, to stay in the terminal's scrollback.
                console.MarkupLine("[bold]The releases[/] (the Canary's events, as they happened):");
            }

            PrintNewLines(rollout);

            var final = await ScrapeAllAsync(store.Snapshot(), CancellationToken.None);
            console.MarkupLine("[bold]Totals from the proxies' /metrics since they started (inbound: served; outbound: sent), per workload:[/]");
            console.Write(StatsTable("Totals", final, [], store.Snapshot()));
            code = final.Values.Sum(s => s.Sum("response_total", ("direction", "inbound"), ("classification", "success"))) > 0 ? ExitCodes.Ok : ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Ctrl-C before everything was up.
            code = termination.ExitCode(ExitCodes.Failed);
        }
        finally
        {
            var forced = termination.Forcing;
            await console.Status().StartAsync("Stopping every instance (Ctrl-C again forces)", async _ => await host.StopAsync(forced));
            // The demo's mesh is gone for good: its credentials, keys and tokens go with it; the logs and the store
            // stay for a look at what happened.
            RemoveSecrets(dataDir);
            console.MarkupLineInterpolated($"Stopped{(forced.IsCancellationRequested ? " (forced)" : "")}. Logs and the store are in {dataDir} (its credentials, keys and tokens are deleted).");
        }

        return code;
    }

    /// <summary>Deletes every file of the stopped demo's data directory but its logs and its store: the admin
    /// credential, the identity keys, the instances' tokens, configurations and pid files.</summary>
    private static void RemoveSecrets(string dataDir)
    {
        var store = Path.Combine(dataDir, "store") + Path.DirectorySeparatorChar;
        foreach (var file in Directory.EnumerateFiles(dataDir, "*", SearchOption.AllDirectories))
        {
            if (!file.EndsWith(".log", StringComparison.Ordinal) && !file.StartsWith(store, StringComparison.Ordinal))
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>The Native AOT proxy, published on the first run (and after the proxy's sources change); the JIT
    /// build beside <c>linnet</c> when that cannot be built here (the reason is printed).</summary>
    private async Task<string> ProxyAsync(string dataDir, CancellationToken cancellationToken)
    {
        var chosen = Installation.ProxyCommand();
        if (Environment.GetEnvironmentVariable("LINNET_PROXY") is { Length: > 0 } || Installation.NativeProxyIsCurrent() || Installation.SourceTree is null)
        {
            return chosen;
        }

        var log = Path.Combine(dataDir, "build-linnet-proxy.log");
        console.MarkupLineInterpolated($"First run: building [green]linnet-proxy[/] as users get it (Native AOT, Release) into {Path.GetDirectoryName(Installation.NativeProxy)}; this takes a minute or two, once.");
        var built = await console.Status().StartAsync("Building linnet-proxy (dotnet publish -c Release -r linux-x64)", async _ => await Installation.PublishNativeProxyAsync(log, cancellationToken));
        if (built)
        {
            return Installation.NativeProxy!;
        }

        console.MarkupLineInterpolated($"[yellow]the Native AOT build failed[/] (it needs clang and zlib1g-dev; see {log}); running the JIT build of the proxy instead.");
        return chosen;
    }

    private async Task ShowLiveAsync(FileResourceStore store, TimeSpan refresh, DemoRollout? rollout, CancellationToken stop)
    {
        var history = new List<(long At, Dictionary<string, PrometheusText> Scrapes)>();
        using var timer = new PeriodicTimer(refresh, time);

        async Task<IRenderable> NextAsync()
        {
            var scrapes = await ScrapeAllAsync(store.Snapshot(), stop);
            var now = time.GetTimestamp();
            history.Add((now, scrapes));

            // The baseline: the oldest scrape inside the window (the one just before it, once there is one).
            while (history.Count > 2 && time.GetElapsedTime(history[1].At, now) >= Window)
            {
                history.RemoveAt(0);
            }

            var (since, baseline) = history.Count > 1 ? (time.GetElapsedTime(history[0].At, now), history[0].Scrapes) : (TimeSpan.Zero, new Dictionary<string, PrometheusText>());
            return StatsTable($"Over the last {since.TotalSeconds:0} s (refreshed every {refresh.TotalSeconds:0.#} s)", scrapes, baseline, store.Snapshot(), since);
        }

        // Redrawn in place: the figures, then the releases' latest lines under them.
        IRenderable WithRollout(IRenderable figures)
        {
            if (rollout is null)
            {
                return figures;
            }

            var lines = rollout.Lines;
            var text = string.Join('\n', lines.TakeLast(RolloutLinesShown).Select(Markup.Escape));
            return new Rows(figures, new Panel(new Markup(text.Length > 0 ? text : "[grey]starting[/]")).Header(Markup.Escape(rollout.State ?? "backend: no canary yet")).Expand());
        }

        try
        {
            if (console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi)
            {
                // Redrawn in place.
                await console.Live(new Markup("[grey]waiting for the first figures[/]")).StartAsync(async live =>
                {
                    while (await timer.WaitForNextTickAsync(stop))
                    {
                        live.UpdateTarget(WithRollout(await NextAsync()));
                    }
                });
            }
            else
            {
                // Not a terminal (a log, a pipe): one table per refresh.
                while (await timer.WaitForNextTickAsync(stop))
                {
                    PrintNewLines(rollout);
                    console.Write(await NextAsync());
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    // The releases' lines not printed yet, each once (not a terminal: as they come; a terminal: when the demo stops).
    private void PrintNewLines(DemoRollout? rollout)
    {
        if (rollout is null)
        {
            return;
        }

        var lines = rollout.Lines;
        foreach (var line in lines.Skip(_printedLines))
        {
            console.Profile.Out.Writer.WriteLine($"  {line}");
        }

        _printedLines = lines.Count;
    }

    private static async Task<bool> WaitReadyAsync(FileResourceStore store, int expected, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            if (CountReady(store.Snapshot()) >= expected)
            {
                return true;
            }

            await foreach (var _ in store.WatchAsync(store.Revision, timeout.Token))
            {
                if (CountReady(store.Snapshot()) >= expected)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        return false;
    }

    private static int CountReady(StoreSnapshot snapshot) =>
        snapshot.OfKind<InstanceResource>().Count(i => i.Spec.Ready);

    /// <summary>Where everything is, and commands to paste: each hint is one command on a line of its own.</summary>
    private void PrintWhere(StoreSnapshot snapshot, string linnet, string api, IPEndPoint grpc, string dataDir, bool isolated)
    {
        var instances = new Table().Title("Instances").AddColumns("INSTANCE", "APP", "PROXY (inbound / outbound / admin)");
        foreach (var i in snapshot.OfKind<InstanceResource>())
        {
            var ports = string.Join(",", i.Spec.Ports);
            instances.AddRow(i.Metadata.Name, $"{i.Spec.Address}:{(ports.Length > 0 ? ports : "-")}", $"{i.Spec.Address}:4143 / :4140 / http://{i.Spec.Address}:{i.Spec.ProxyAdminPort}/metrics");
        }

        console.Write(instances);
        // Apps in pods call a service by its name (each pod's hosts file); on loopback, at a local port of their proxy.
        var services = new Table().Title("Services").AddColumns("SERVICE", "PORT", isolated ? "NAMES IN EVERY POD" : "LOCAL PORT ON EVERY INSTANCE");
        foreach (var s in snapshot.OfKind<ServiceResource>())
        {
            foreach (var p in s.Spec.Ports)
            {
                var reach = isolated
                    ? $"{s.Metadata.Name}, {s.Metadata.Name}.{s.Metadata.Namespace}.svc.cluster.local"
                    : s.Status.LocalPorts.TryGetValue(p.Port, out var local) ? local.ToString(CultureInfo.InvariantCulture) : "-";
                services.AddRow(s.Metadata.Name, $"{p.Port}{(p.AppProtocol is { } ap ? $" ({ap})" : "")}", reach);
            }
        }

        console.Write(services);
        var web = snapshot.OfKind<InstanceResource>().FirstOrDefault(i => i.Spec.Workload == "web");
        console.MarkupLineInterpolated($"Control plane: API {api}, Destination gRPC {grpc}");
        console.MarkupLine("[bold]Try these[/] in another terminal:");
        foreach (var hint in Hints(linnet, api, dataDir, web?.Spec.Address))
        {
            // Printed whole, never wrapped, so that a line pastes as one command.
            console.Profile.Out.Writer.WriteLine($"  {hint}");
        }
    }

    /// <summary>The commands the demo suggests, one per line, exactly as they are to be run.</summary>
    public static IReadOnlyList<string> Hints(string linnet, string api, string dataDir, string? web) =>
    [
        $"curl http://{web}:8080/",
        $"curl http://{web}:4143/",
        $"{linnet} --data-dir {dataDir} --api {api} get instances",
        $"{linnet} --data-dir {dataDir} --api {api} get services",
        $"{linnet} --data-dir {dataDir} --api {api} check",
        $"{linnet} --data-dir {dataDir} --api {api} dashboard",
        $"{linnet} --data-dir {dataDir} --api {api} describe workload backend",
        $"{linnet} --data-dir {dataDir} logs backend",
        $"{linnet} --data-dir {dataDir} logs backend --proxy",
    ];

    private static async Task<Dictionary<string, PrometheusText>> ScrapeAllAsync(StoreSnapshot snapshot, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, PrometheusText>();
        foreach (var i in snapshot.OfKind<InstanceResource>())
        {
            try
            {
                result[i.Metadata.Name] = PrometheusText.Parse(await Http.GetStringAsync(new Uri($"http://{i.Spec.Address}:{i.Spec.ProxyAdminPort}/metrics"), cancellationToken));
            }
            catch (HttpRequestException)
            {
                // Restarting: shown as missing this round.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Too slow to answer this round.
            }
        }

        return result;
    }

    /// <summary>One row per workload: what its proxies served (inbound) and what they sent for it (outbound),
    /// as the increase since <paramref name="baseline"/> (an empty baseline: since the proxies started). Live
    /// (<paramref name="over"/> set) it shows rates; the totals show counts. Both fit 80 columns.</summary>
    private static Table StatsTable(string title, Dictionary<string, PrometheusText> scrapes, Dictionary<string, PrometheusText> baseline, StoreSnapshot snapshot, TimeSpan? over = null)
    {
        var live = over is not null;
        var table = new Table().Title(title).AddColumns(live
            ? ["WORKLOAD", "INST", "IN RPS", "IN OK", "P50 ms", "P99 ms", "OUT RPS", "OUT OK"]
            : ["WORKLOAD", "INSTANCES", "IN REQ", "IN OK", "P50 ms", "P99 ms", "OUT REQ", "OUT OK"]);
        var workloads = snapshot.OfKind<InstanceResource>().Select(i => i.Spec.Workload).Concat(scrapes.Keys.Select(WorkloadOf)).Distinct().Order(StringComparer.Ordinal);
        foreach (var workload in workloads)
        {
            var mine = scrapes.Where(kv => WorkloadOf(kv.Key) == workload).Select(kv => kv.Value.Since(baseline.GetValueOrDefault(kv.Key))).ToList();
            var merged = PrometheusText.Parse(string.Join('\n', mine.Select(m => m.Text)));
            var inTotal = merged.Sum("response_total", Inbound);
            var inSuccess = merged.Sum("response_total", [.. Inbound, ("classification", "success")]);
            var outTotal = merged.Sum("response_total", Outbound);
            var outSuccess = merged.Sum("response_total", [.. Outbound, ("classification", "success")]);
            table.AddRow(
                workload,
                mine.Count.ToString(CultureInfo.InvariantCulture),
                live ? Rate(inTotal, over) : inTotal.ToString("0", CultureInfo.InvariantCulture),
                Percent(inSuccess, inTotal),
                Format(merged.Quantile("response_latency_ms", 0.5, Inbound)),
                Format(merged.Quantile("response_latency_ms", 0.99, Inbound)),
                live ? Rate(outTotal, over) : outTotal.ToString("0", CultureInfo.InvariantCulture),
                Percent(outSuccess, outTotal));
        }

        return table;
    }

    private static string Percent(double part, double total) => total > 0 ? (part / total).ToString("0.0%", CultureInfo.InvariantCulture) : "-";

    private static string Rate(double count, TimeSpan? over) => over is { } o && o > TimeSpan.Zero ? (count / o.TotalSeconds).ToString("0.0", CultureInfo.InvariantCulture) : "-";

    private static string WorkloadOf(string instance) => instance[..instance.LastIndexOf('-')];

    private static string Format(double? ms) => ms is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "-";

    private static int FreePort()
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
