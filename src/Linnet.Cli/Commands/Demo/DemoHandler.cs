using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Linnet.Cli.Api;
using Linnet.Cli.Commands.Apply;
using Linnet.Cli.Output;
using Linnet.ControlPlane;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Universal.Store;
using Linnet.Platform.Universal.Supervisor;
using Linnet.Api.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace Linnet.Cli.Commands.Demo;

/// <summary><c>linnet demo</c>: the sample mesh (a web frontend, an HTTP backend with two replicas, a gRPC
/// greeter, a load generator) in universal mode on this machine, with the proxies' own metrics shown live.
/// Everything runs under a throwaway data directory and stops on Ctrl-C.</summary>
internal sealed class DemoHandler(IAnsiConsole console, TimeProvider time)
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(3) };

    public async Task<int> RunAsync(DemoOptions options, CancellationToken cancellationToken)
    {
        var dataDir = Directory.CreateTempSubdirectory("linnet-demo-").FullName;
        var apiEndPoint = new IPEndPoint(IPAddress.Loopback, FreePort());
        var grpcEndPoint = new IPEndPoint(IPAddress.Loopback, FreePort());
        var samples = AppContext.BaseDirectory.TrimEnd('/');
        var manifest = (await File.ReadAllTextAsync(Path.Combine(samples, "demo", "mesh.yaml"), cancellationToken)).Replace("{{samples}}", samples, StringComparison.Ordinal);

        console.MarkupLine("[bold]Linnet demo[/]: a web frontend, an HTTP backend (2 replicas), a gRPC greeter and a load generator,");
        console.MarkupLine("each instance on its own loopback address beside its own [green]linnet-proxy[/], in universal mode.");
        using var store = await FileResourceStore.OpenAsync(Path.Combine(dataDir, "store"), NullLogger<FileResourceStore>.Instance, cancellationToken: cancellationToken);
        var hostOptions = new ControlPlaneOptions { GrpcListen = grpcEndPoint, HttpListen = apiEndPoint, ShutdownTimeout = TimeSpan.FromSeconds(30) };
        await using var host = ControlPlaneHost.Create(hostOptions, store, services =>
        {
            services.AddLogging(logging => logging.AddFilter("Linnet", LogLevel.Warning));
            services.AddSingleton(new SupervisorOptions
            {
                DataDirectory = dataDir,
                ControlPlaneAddress = grpcEndPoint.ToString(),
                ProxyCommand = Path.Combine(samples, "linnet-proxy.dll"),
            });
            services.AddHostedService<WorkloadSupervisor>();
        });
        await host.StartAsync(cancellationToken);
        var api = $"http://{apiEndPoint}";
        var token = host.AdminCredential.Token;
        var client = ControlPlaneClient.Create(api, () => token);
        var code = ExitCodes.Ok;
        try
        {
            if (await new ApplyHandler(client, new Printer(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) }), OutputFormat.Table)).RunAsync([("samples/demo/mesh.yaml", manifest)], cancellationToken) != ExitCodes.Ok)
            {
                console.MarkupLine("[red]the demo manifests were rejected[/]");
                return ExitCodes.Failed;
            }

            var ready = await console.Status().StartAsync("Starting 5 instances and their proxies", async _ => await WaitReadyAsync(store, 5, cancellationToken));
            if (!ready)
            {
                console.MarkupLineInterpolated($"[red]the instances did not all become ready[/]; logs are under {dataDir}/instances");
                return ExitCodes.Failed;
            }

            PrintWhere(store.Snapshot(), api, grpcEndPoint, dataDir);
            console.MarkupLineInterpolated($"{(options.Duration is { } d ? $"Running for {d.TotalSeconds:0} s." : "Ctrl-C stops everything.")} The load generator sends 10 requests/s to web; web calls backend over HTTP and greeter over gRPC.");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (options.Duration is { } duration)
            {
                stop.CancelAfter(duration);
            }

            var previous = new Dictionary<string, PrometheusText>();
            var previousAt = time.GetTimestamp();
            using var refresh = new PeriodicTimer(options.RefreshInterval, time);
            try
            {
                while (await refresh.WaitForNextTickAsync(stop.Token))
                {
                    var scrapes = await ScrapeAllAsync(store.Snapshot(), stop.Token);
                    var now = time.GetTimestamp();
                    console.Write(StatsTable(scrapes, previous, time.GetElapsedTime(previousAt, now)));
                    (previous, previousAt) = (scrapes, now);
                }
            }
            catch (OperationCanceledException)
            {
            }

            var final = await ScrapeAllAsync(store.Snapshot(), CancellationToken.None);
            console.MarkupLine("[bold]Totals from the proxies' /metrics (inbound, per workload):[/]");
            console.Write(StatsTable(final, new Dictionary<string, PrometheusText>(), TimeSpan.Zero));
            code = final.Values.Sum(s => s.Sum("response_total", ("direction", "inbound"), ("classification", "success"))) > 0 ? ExitCodes.Ok : ExitCodes.Failed;
        }
        finally
        {
            await console.Status().StartAsync("Stopping every instance", async _ => await host.StopAsync(CancellationToken.None));
            console.MarkupLineInterpolated($"Stopped. Logs and the store are in {dataDir}");
        }

        return code;
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
        catch (OperationCanceledException)
        {
        }

        return false;
    }

    private static int CountReady(StoreSnapshot snapshot) =>
        snapshot.OfKind<InstanceResource>().Count(i => i.Spec.Ready);

    private void PrintWhere(StoreSnapshot snapshot, string api, IPEndPoint grpc, string dataDir)
    {
        var instances = new Table().Title("Instances").AddColumns("INSTANCE", "APP", "PROXY (inbound / outbound / admin)");
        foreach (var i in snapshot.OfKind<InstanceResource>())
        {
            var ports = string.Join(",", i.Spec.Ports);
            instances.AddRow(i.Metadata.Name, $"{i.Spec.Address}:{(ports.Length > 0 ? ports : "-")}", $"{i.Spec.Address}:4143 / :4140 / http://{i.Spec.Address}:{i.Spec.ProxyAdminPort}/metrics");
        }

        console.Write(instances);
        var services = new Table().Title("Services").AddColumns("SERVICE", "PORT", "LOCAL PORT ON EVERY INSTANCE");
        foreach (var s in snapshot.OfKind<ServiceResource>())
        {
            foreach (var p in s.Spec.Ports)
            {
                services.AddRow(s.Metadata.Name, $"{p.Port}{(p.AppProtocol is { } ap ? $" ({ap})" : "")}", s.Status.LocalPorts.TryGetValue(p.Port, out var local) ? local.ToString(CultureInfo.InvariantCulture) : "-");
            }
        }

        console.Write(services);
        var web = snapshot.OfKind<InstanceResource>().FirstOrDefault(i => i.Spec.Workload == "web");
        console.MarkupLine("[bold]Where to look[/]");
        console.MarkupLineInterpolated($"  the app:        curl http://{web?.Spec.Address}:8080/   (through its proxy: curl http://{web?.Spec.Address}:4143/)");
        console.MarkupLineInterpolated($"  the mesh:       linnet --api {api} get instances | get svc | check | describe wl backend");
        console.MarkupLineInterpolated($"  logs:           linnet --data-dir {dataDir} logs backend   (--proxy for the proxies')");
        console.MarkupLineInterpolated($"  control plane:  API {api}, Destination gRPC {grpc}");
    }

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
        }

        return result;
    }

    private static Table StatsTable(Dictionary<string, PrometheusText> scrapes, Dictionary<string, PrometheusText> previous, TimeSpan interval)
    {
        var table = new Table().Title("Inbound traffic by workload (what each workload's proxies served)").AddColumns("WORKLOAD", "INSTANCES", "REQUESTS", "SUCCESS", "RPS", "P50 MS", "P99 MS");
        foreach (var workload in scrapes.Keys.Select(WorkloadOf).Distinct().Order(StringComparer.Ordinal))
        {
            var mine = scrapes.Where(kv => WorkloadOf(kv.Key) == workload).ToList();
            (string, string)[] inbound = [("direction", "inbound")];
            var total = mine.Sum(kv => kv.Value.Sum("response_total", inbound));
            var success = mine.Sum(kv => kv.Value.Sum("response_total", [.. inbound, ("classification", "success")]));
            var before = mine.Sum(kv => previous.TryGetValue(kv.Key, out var p) ? p.Sum("response_total", inbound) : 0);
            var merged = PrometheusText.Parse(string.Join('\n', mine.Select(kv => kv.Value.Text)));
            table.AddRow(
                workload,
                mine.Count.ToString(CultureInfo.InvariantCulture),
                total.ToString("0", CultureInfo.InvariantCulture),
                total > 0 ? (success / total).ToString("0.0 %", CultureInfo.InvariantCulture) : "-",
                interval > TimeSpan.Zero && previous.Count > 0 ? ((total - before) / interval.TotalSeconds).ToString("0.0", CultureInfo.InvariantCulture) : "",
                Format(merged.Quantile("response_latency_ms", 0.5, inbound)),
                Format(merged.Quantile("response_latency_ms", 0.99, inbound)));
        }

        return table;
    }

    private static string WorkloadOf(string instance) => instance[..instance.LastIndexOf('-')];

    private static string Format(double? ms) => ms is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "-";

    private static int FreePort()
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
