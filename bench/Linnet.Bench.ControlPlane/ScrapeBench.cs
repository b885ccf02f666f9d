using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;

namespace Linnet.Bench.ControlPlane;

/// <summary><c>linnet-bench-cp scrape</c>: the control plane's embedded metrics source scraping real
/// <c>linnet-proxy</c> processes at its defaults (every 5 s, 15 min kept) beside Debian's Prometheus scraping the
/// same proxies through the control plane's service discovery, in the same run: CPU and RSS of both.</summary>
/// <remarks>
/// Phases: (1) the control plane with every proxy connected and nothing to scrape, measured for the baseline;
/// (2) one ready Instance per proxy committed (the scraper's targets from then on), traffic through every proxy
/// (inbound, and outbound over mTLS to the others) so that each exports the series a busy workload's proxy does,
/// Prometheus started; (3) once both hold every proxy's series, both measured side by side. The control plane's
/// cost of scraping is its CPU in (3) less its baseline; its memory for the series is its RSS in (3) less the
/// baseline's. A trickle of requests (one in per proxy every 5 s) keeps the counters moving throughout.
/// </remarks>
internal static class ScrapeBench
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(ScrapeOptions options)
    {
        using var cts = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            cts.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            cts.Cancel();
        });
        string report;
        try
        {
            report = await ExecuteAsync(options, cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("interrupted: every process started was stopped");
            return 130;
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or HttpRequestException)
        {
            await Console.Error.WriteLineAsync($"failed: {ex.Message}");
            return 1;
        }

        await File.WriteAllTextAsync(options.ResultsFile, report, CancellationToken.None);
        await Console.Out.WriteLineAsync(report);
        return 0;
    }

    private static async Task<string> ExecuteAsync(ScrapeOptions o, CancellationToken ct)
    {
        if (!File.Exists(o.Prometheus))
        {
            throw new ArgumentException($"--prometheus: {o.Prometheus} does not exist (apt-get install prometheus)");
        }

        ProxyFleet.CheckPortsFree(o.Proxies, o.PortBase);
        var pids = new List<int> { Environment.ProcessId };
        var noise = new NoiseMeter(() => pids.ToArray(), o.ClockTicks, TimeSpan.FromSeconds(o.QuietWaitSeconds));
        using var traffic = new Traffic(o);

        Log($"starting the app, the control plane and {o.Proxies} proxies ...");
        await using var app = await ScrapeApp.StartAsync(o.Proxies, ct);
        await using var cp = await ControlPlaneProcess.StartAsync("control-plane", Path.Combine(o.WorkDir, "control-plane.log"), ct);
        pids.Add(cp.Pid);
        await using var fleet = await ProxyFleet.StartAsync(o.ProxyBin, o.Proxies, cp, o.WorkDir, o.PortBase, ct);
        pids.AddRange(fleet.Pids);
        await fleet.WaitReadyAsync(TimeSpan.FromSeconds(180), ct);

        using var trickleStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var trickle = traffic.TrickleAsync(trickleStop.Token);

        // (1) Nothing to scrape yet.
        Log($"baseline: the control plane with {o.Proxies} proxies connected and nothing to scrape, {o.BaselineSeconds} s ...");
        await noise.WaitQuietAsync(ct);
        noise.Begin();
        var baseline = await MeasureAsync([cp.Pid], o.BaselineSeconds, o.ClockTicks, ct);
        var baselineNoise = noise.End("baseline");
        var baselineMem = await cp.CommandAsync("mem", CommandTimeout, ct);

        // (2) Targets, series, the peer.
        Log("seeding one Instance per proxy; traffic through every proxy; starting Prometheus ...");
        await cp.CommandAsync(string.Create(CultureInfo.InvariantCulture, $"scrape-seed {o.Proxies} {o.PortBase}"), CommandTimeout, ct);
        var warmUp = await traffic.WarmUpAsync(ct);
        await using var prometheus = await PrometheusPeer.StartAsync(o.Prometheus, o.PrometheusPort, new Uri(cp.HttpBase, "api/v1/metrics/targets"), cp.AdminCredentialFile, o.WorkDir, ct);
        pids.Add(prometheus.Pid);

        // Both hold every proxy's series: Prometheus has every target up, and the embedded store's series count has
        // stopped growing with every proxy in it (two reads a scrape interval apart).
        Log("waiting until both hold every proxy's series ...");
        var started = Stopwatch.GetTimestamp();
        long lastSeries = -1;
        JsonObject series;
        while (true)
        {
            series = await cp.CommandAsync("series", CommandTimeout, ct);
            var up = await prometheus.ScalarAsync("count(up == 1)", ct);
            var held = (long)series["series"]!;
            if (up == o.Proxies && (int)series["targets"]! == o.Proxies && held == lastSeries && held > 0)
            {
                break;
            }

            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(180))
            {
                throw new TimeoutException($"after 180 s: Prometheus has {up} targets up, the embedded store {series.ToJsonString()}");
            }

            lastSeries = held;
            await Task.Delay(TimeSpan.FromSeconds(6), ct);
        }

        // (3) Side by side.
        Log($"measuring both for {o.Seconds} s ...");
        await noise.WaitQuietAsync(ct);
        noise.Begin();
        var side = await MeasureAsync([cp.Pid, prometheus.Pid], o.Seconds, o.ClockTicks, ct);
        var sideNoise = noise.End("side by side");
        series = await cp.CommandAsync("series", CommandTimeout, ct);
        var promSeries = await prometheus.OwnMetricAsync("prometheus_tsdb_head_series", ct);
        var promUp = await prometheus.ScalarAsync("count(up == 1)", ct);
        var promSamples = await prometheus.ScalarAsync("sum(scrape_samples_scraped)", ct);
        var sideMem = await cp.CommandAsync("mem", CommandTimeout, ct);
        await trickleStop.CancelAsync();
        await trickle;

        return Report(o, new Figures(baseline, side, baselineNoise, sideNoise, baselineMem, sideMem, series, promSeries, promUp, promSamples, warmUp, traffic),
            await PrometheusVersionAsync(o.Prometheus, ct), fleet.Exited);
    }

    // CPU of each process over the window (cores), and its RSS sampled every 5 s (last and max, KiB).
    private static async Task<Dictionary<int, (double Cores, double RssKb, double MaxRssKb)>> MeasureAsync(int[] pids, int seconds, int clockTicks, CancellationToken ct)
    {
        var ticks = pids.ToDictionary(p => p, ProcFs.CpuTicks);
        var max = pids.ToDictionary(p => p, _ => 0.0);
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(seconds))
        {
            var left = TimeSpan.FromSeconds(seconds) - Stopwatch.GetElapsedTime(started);
            await Task.Delay(left < TimeSpan.FromSeconds(5) ? left : TimeSpan.FromSeconds(5), ct);
            foreach (var p in pids)
            {
                max[p] = Math.Max(max[p], ProcFs.RssKb(p) ?? 0);
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return pids.ToDictionary(p => p, p => ((ProcFs.CpuTicks(p) - ticks[p]) / (elapsed * clockTicks), (double)(ProcFs.RssKb(p) ?? 0), max[p]));
    }

    private static async Task<string> PrometheusVersionAsync(string binary, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(binary, ["--version"]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(psi)!;
        var text = await process.StandardOutput.ReadToEndAsync(ct) + await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "prometheus";
    }

    private static string Report(ScrapeOptions o, Figures f, string promVersion, int proxiesExited)
    {
        var cpPid = f.Side.Keys.First();
        var promPid = f.Side.Keys.Last();
        var (cpCores, cpRss, cpMaxRss) = f.Side[cpPid];
        var (promCores, promRss, promMaxRss) = f.Side[promPid];
        var (baseCores, baseRss, _) = f.Baseline[cpPid];
        var scrapeCores = cpCores - baseCores;
        var scrapeRss = cpRss - baseRss;
        var embeddedSeries = (long)f.Series["series"]!;
        var gcBase = (double)f.BaselineMem["rss_kb"]!;
        var gcSide = (double)f.SideMem["rss_kb"]!;
        var inv = CultureInfo.InvariantCulture;
        string Mib(double kb) => Stats.F(kb / 1024);
        string Ratio(double a, double b) => b > 0 && double.IsFinite(a / b) ? (a / b).ToString("F2", inv) : "—";

        var sb = new StringBuilder();
        sb.Append(inv, $"## Scrape: the embedded metrics source and Prometheus, {o.Proxies} proxies ({o.Timestamp}, {o.Commit})\n\n");
        sb.Append(inv, $"Command: `{o.Command}`. Machine: {Environment.ProcessorCount} cores, shared with other engineers' builds and tests; ");
        sb.Append(inv, $"background load (cores used by processes this run did not start): {Stats.F(f.BaselineNoise, 2)} during the baseline, {Stats.F(f.SideNoise, 2)} side by side.\n\n");
        sb.Append(inv, $"{o.Proxies} real `linnet-proxy` processes (Native AOT, mTLS between them), each in front of the benchmark's app, with traffic in and out ");
        sb.Append(inv, $"(warm-up, per proxy 8 in and 7 out, so each calls up to 7 others: {f.WarmUp}; then one request in per proxy every 5 s; in all {f.Traffic.Describe()}). ");
        sb.Append(inv, $"Both scrape every proxy's `/metrics` every 5 s with a 2 s timeout; the control plane keeps 15 min (its defaults), Prometheus ({promVersion}) ");
        sb.Append(inv, $"discovers the proxies through the control plane's `http_sd_configs` endpoint (retention 15m; its head block holds up to 2-3 h whatever the retention). ");
        sb.Append(inv, $"Baseline: the same control plane with every proxy connected and nothing to scrape, {o.BaselineSeconds} s; side by side: {o.Seconds} s.\n\n");
        sb.Append("| | control plane: embedded source | Prometheus | embedded / Prometheus |\n|---|---:|---:|---:|\n");
        sb.Append(inv, $"| CPU while scraping (cores, mean) | {Stats.F(scrapeCores, 4)} (process {Stats.F(cpCores, 4)} − baseline {Stats.F(baseCores, 4)}) | {Stats.F(promCores, 4)} | {Ratio(scrapeCores, promCores)} |\n");
        sb.Append(inv, $"| RSS at the end (MiB) | {Mib(scrapeRss)} more than the baseline (process {Mib(cpRss)}, baseline {Mib(baseRss)}) | {Mib(promRss)} | {Ratio(scrapeRss, promRss)} (process: {Ratio(cpRss, promRss)}) |\n");
        sb.Append(inv, $"| RSS, highest 5 s sample (MiB) | process {Mib(cpMaxRss)} | {Mib(promMaxRss)} | {Ratio(cpMaxRss, promMaxRss)} |\n");
        sb.Append(inv, $"| RSS after a full GC (MiB) | {Mib(gcSide - gcBase)} more than the baseline's ({Mib(gcSide)} vs {Mib(gcBase)}) | — | |\n");
        sb.Append(inv, $"| series held | {Stats.I(embeddedSeries)} (the families it reads; {Stats.I((long)f.Series["dropped"]!)} dropped) | {Stats.I((long)(f.PromSeries ?? 0))} (head: every family) | {Ratio(embeddedSeries, f.PromSeries ?? 0)} |\n");
        sb.Append(inv, $"| proxies scraped | {f.Series["targets"]} of {o.Proxies} | {f.PromUp} up of {o.Proxies} | |\n");
        sb.Append(inv, $"| samples per scrape of all proxies | — | {Stats.I((long)(f.PromSamples ?? 0))} | |\n\n");
        sb.Append(inv, $"Per series held: embedded {Stats.F(scrapeRss * 1024 / Math.Max(1, embeddedSeries), 0)} B of RSS (its rings are allocated whole: 15 min / 5 s + 2 samples each, so this is already its steady state), ");
        sb.Append(inv, $"Prometheus {Stats.F(promRss * 1024 / Math.Max(1, f.PromSeries ?? 1), 0)} B (its whole process; it grows further as its head block fills).");
        if (proxiesExited > 0)
        {
            sb.Append(inv, $"\n\n**{proxiesExited} proxies exited during the run.**");
        }

        sb.Append('\n');
        return sb.ToString();
    }

    private static void Log(string text) => Console.Error.WriteLine(text);

    private sealed record Figures(
        Dictionary<int, (double Cores, double RssKb, double MaxRssKb)> Baseline,
        Dictionary<int, (double Cores, double RssKb, double MaxRssKb)> Side,
        double BaselineNoise,
        double SideNoise,
        JsonObject BaselineMem,
        JsonObject SideMem,
        JsonObject Series,
        double? PromSeries,
        double? PromUp,
        double? PromSamples,
        string WarmUp,
        Traffic Traffic);

    /// <summary>Requests through the proxies: in through each one's inbound listener to the app, out through its
    /// outbound listener to Service <c>app</c> (over mTLS to some proxy of the fleet and its app).</summary>
    private sealed class Traffic(ScrapeOptions o) : IDisposable
    {
        private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 2, ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };

        private long _ok;
        private long _failed;
        private long _errors;

        public void Dispose() => _http.Dispose();

        public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{Interlocked.Read(ref _ok):N0} answered 2xx, {Interlocked.Read(ref _failed):N0} other statuses, {Interlocked.Read(ref _errors):N0} failed to send");

        /// <summary>Per proxy, in: /ok ×5, /err ×2, /slow; out: /ok ×4, /err ×2, /slow.</summary>
        public async Task<string> WarmUpAsync(CancellationToken ct)
        {
            var statuses = new Dictionary<int, int>();
            await Parallel.ForEachAsync(Enumerable.Range(0, o.Proxies), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (i, c) =>
            {
                string[] inbound = ["/ok", "/ok", "/ok", "/ok", "/ok", "/err", "/err", "/slow"];
                string[] outbound = ["/ok", "/ok", "/ok", "/ok", "/err", "/err", "/slow"];
                foreach (var (path, outward) in inbound.Select(p => (p, false)).Concat(outbound.Select(p => (p, true))))
                {
                    var status = await SendAsync(i, outward, path, c);
                    lock (statuses)
                    {
                        statuses[status] = statuses.GetValueOrDefault(status) + 1;
                    }
                }
            });
            return string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => s.Key == 0 ? $"{s.Value} not sent" : string.Create(CultureInfo.InvariantCulture, $"{s.Value} × {s.Key}")));
        }

        public async Task TrickleAsync(CancellationToken ct)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
            try
            {
                while (await timer.WaitForNextTickAsync(ct))
                {
                    await Parallel.ForEachAsync(Enumerable.Range(0, o.Proxies), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, c) =>
                    {
                        // Inbound only: an outbound request may pick an endpoint this proxy has not called yet,
                        // and each new destination is a new set of dst_* series (an all-to-all mesh's hundreds of
                        // thousands); the warm-up's few destinations per proxy stand for a workload calling a few others.
                        await SendAsync(i, false, "/ok", c);
                    });
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
        }

        // The status, or 0 when the request could not be sent.
        private async Task<int> SendAsync(int i, bool outbound, string path, CancellationToken ct)
        {
            var port = o.PortBase + (3 * i) + (outbound ? 2 : 1);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{ProxyFleet.Address(i)}:{port}{path}")));
            request.Headers.Host = outbound ? "app" : "app.bench.svc.cluster.local:80";
            try
            {
                using var response = await _http.SendAsync(request, ct);
                await response.Content.ReadAsByteArrayAsync(ct);
                Interlocked.Increment(ref response.IsSuccessStatusCode ? ref _ok : ref _failed);
                return (int)response.StatusCode;
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref _errors);
                return 0;
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                Interlocked.Increment(ref _errors);
                return 0;
            }
        }
    }
}
