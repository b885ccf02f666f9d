using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Linnet.Cli.Processes;
using Linnet.Proxy.Telemetry;
using Spectre.Console;

namespace Linnet.Cli.Commands.Demo;

/// <summary><c>linnet demo</c>: a sample app behind a real <c>linnet-proxy</c> process, traffic through
/// both of the proxy's listeners, and the proxy's own metrics shown as they change.</summary>
internal sealed class DemoHandler(IAnsiConsole console, TimeProvider time)
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 16 });

    public async Task<int> RunAsync(DemoOptions options, CancellationToken cancellationToken)
    {
        var dir = Directory.CreateTempSubdirectory("linnet-demo-").FullName;
        var appPort = FreePort();
        var inbound = new IPEndPoint(IPAddress.Loopback, FreePort());
        var outbound = new IPEndPoint(IPAddress.Loopback, FreePort());
        var admin = new IPEndPoint(IPAddress.Loopback, FreePort());
        var configPath = Path.Combine(dir, "proxy.yaml");
        await File.WriteAllTextAsync(configPath, $"""
            # Written by `linnet demo`: the sidecar of the sample app "hello".
            workload: {"{"}namespace: demo, name: hello, pod: hello-0{"}"}
            inbound: {"{"}listen: "{inbound}", appPort: {appPort}{"}"}
            outbound: {"{"}listen: "{outbound}"{"}"}
            admin: {"{"}listen: "{admin}"{"}"}
            services:
              - name: hello
                aliases: [hello.demo.svc.cluster.local]
                port: 80
                endpoints: [{"{"}address: "127.0.0.1:{appPort}"{"}"}]
            """, cancellationToken);

        console.MarkupLine("[bold]Linnet demo[/]: the sample app [green]hello[/] with [green]linnet-proxy[/] as its sidecar.");
        await using var app = ChildProcess.Start(
            Path.Combine(AppContext.BaseDirectory, "linnet-sample-hello.dll"), [],
            new Dictionary<string, string> { ["LINNET_PORT"] = appPort.ToString(CultureInfo.InvariantCulture), ["LINNET_NAME"] = "hello" },
            Path.Combine(dir, "hello.log"));
        await using var proxy = ChildProcess.Start(
            Path.Combine(AppContext.BaseDirectory, "linnet-proxy.dll"), ["--config", configPath],
            new Dictionary<string, string>(), Path.Combine(dir, "proxy.log"));

        var adminUri = new Uri($"http://{admin}");
        if (!await WaitReadyAsync(adminUri, proxy, cancellationToken))
        {
            console.MarkupLineInterpolated($"[red]linnet-proxy did not become ready[/]; its log: {Path.Combine(dir, "proxy.log")}");
            return 1;
        }

        var where = new Table().AddColumns("what", "where");
        where.AddRow("sample app (hello)", $"http://127.0.0.1:{appPort}  (pid {app.Id})");
        where.AddRow("proxy inbound → app", $"http://{inbound}");
        where.AddRow("proxy outbound → services", $"http://{outbound}  (send Host: hello)");
        where.AddRow("proxy admin", $"{adminUri}metrics  {adminUri}ready  (pid {proxy.Id})");
        where.AddRow("config and logs", dir);
        console.Write(where);
        console.MarkupLineInterpolated($"Sending {options.RequestsPerSecond} requests/s: half to the app through its inbound listener (5 % of them fail on purpose), half through the outbound listener by Host. {(options.Duration is { } d ? $"Stopping after {d.TotalSeconds:0} s." : "Ctrl-C stops.")}");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.Duration is { } duration)
        {
            stop.CancelAfter(duration);
        }

        var load = Task.WhenAll(
            OfferLoadAsync(new Uri($"http://{inbound}/work?ms=5&fail=5"), null, options.RequestsPerSecond / 2.0, stop.Token),
            OfferLoadAsync(new Uri($"http://{outbound}/"), "hello", options.RequestsPerSecond / 2.0, stop.Token));

        PrometheusText? previous = null;
        var previousAt = time.GetTimestamp();
        using (var refresh = new PeriodicTimer(options.RefreshInterval, time))
        {
            try
            {
                while (await refresh.WaitForNextTickAsync(stop.Token))
                {
                    var now = time.GetTimestamp();
                    var scrape = await ScrapeAsync(adminUri, stop.Token);
                    console.Write(StatsTable(scrape, previous, time.GetElapsedTime(previousAt, now)));
                    (previous, previousAt) = (scrape, now);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        await load;
        var final = await ScrapeAsync(adminUri, CancellationToken.None);
        console.MarkupLine("[bold]Final figures from the proxy's /metrics:[/]");
        console.Write(StatsTable(final, null, TimeSpan.Zero));
        await proxy.StopAsync(TimeSpan.FromSeconds(15));
        await app.StopAsync(TimeSpan.FromSeconds(5));
        console.MarkupLineInterpolated($"Stopped. Logs are in {dir}");
        return final.Sum("response_total", ("classification", "success")) > 0 ? 0 : 1;
    }

    private static async Task<bool> WaitReadyAsync(Uri admin, ChildProcess proxy, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (!proxy.HasExited && await poll.WaitForNextTickAsync(timeout.Token))
            {
                try
                {
                    using var response = await Http.GetAsync(new Uri(admin, "/ready"), timeout.Token);
                    if (response.IsSuccessStatusCode)
                    {
                        return true;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return false;
    }

    private async Task OfferLoadAsync(Uri uri, string? host, double rate, CancellationToken cancellationToken)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1 / Math.Max(rate, 0.1)), time);
        var inFlight = new List<Task>();
        try
        {
            while (await tick.WaitForNextTickAsync(cancellationToken))
            {
                inFlight.RemoveAll(t => t.IsCompleted);
                if (inFlight.Count < 64)
                {
                    inFlight.Add(SendAsync(uri, host));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(inFlight);
    }

    private static async Task SendAsync(Uri uri, string? host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        try
        {
            using var response = await Http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
        }
        catch (HttpRequestException)
        {
            // Counted by the proxy, which is what the demo shows.
        }
    }

    private static async Task<PrometheusText> ScrapeAsync(Uri admin, CancellationToken cancellationToken) =>
        PrometheusText.Parse(await Http.GetStringAsync(new Uri(admin, "/metrics"), cancellationToken));

    private static Table StatsTable(PrometheusText scrape, PrometheusText? previous, TimeSpan interval)
    {
        var table = new Table().Title("linnet-proxy hello-0").AddColumns("direction", "authority", "requests", "success", "RPS", "p50 ms", "p99 ms");
        var series = scrape.All("response_total").Select(s => (Direction: s.Labels["direction"], Authority: s.Labels["authority"])).Distinct().OrderBy(s => s.Direction).ThenBy(s => s.Authority);
        foreach (var (direction, authority) in series)
        {
            (string, string)[] labels = [("direction", direction), ("authority", authority)];
            var total = scrape.Sum("response_total", labels);
            var success = scrape.Sum("response_total", [.. labels, ("classification", "success")]);
            var rps = previous is null || interval <= TimeSpan.Zero ? "" : ((total - previous.Sum("response_total", labels)) / interval.TotalSeconds).ToString("0.0", CultureInfo.InvariantCulture);
            table.AddRow(
                direction,
                authority,
                total.ToString("0", CultureInfo.InvariantCulture),
                total > 0 ? (success / total).ToString("0.0 %", CultureInfo.InvariantCulture) : "-",
                rps,
                Format(scrape.Quantile("response_latency_ms", 0.5, labels)),
                Format(scrape.Quantile("response_latency_ms", 0.99, labels)));
        }

        return table;
    }

    private static string Format(double? ms) => ms is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "-";

    private static int FreePort()
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
