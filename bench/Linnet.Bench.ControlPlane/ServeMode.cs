using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.ControlPlane;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Translation;
using Microsoft.Extensions.DependencyInjection;

namespace Linnet.Bench.ControlPlane;

/// <summary><c>linnet-bench-cp serve</c>: one control plane (ControlPlaneHost over an InMemoryResourceStore,
/// gRPC and HTTP on loopback ephemeral ports) in a process of its own, so that its RSS is its own. Driven
/// over stdin: one command per line, one reply per line on stdout prefixed with <see cref="Reply"/>
/// (the control plane's own log lines also go to stdout; the driver keeps them in a log file).
/// It also runs the benchmark's peer: an in-process <see cref="IResourceStore.WatchAsync"/> watcher that
/// records when each commit's event reached it.</summary>
internal static class ServeMode
{
    public const string Reply = "@bench ";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);

    public static async Task<int> RunAsync()
    {
        using var store = new InMemoryResourceStore();
        var credentials = Directory.CreateTempSubdirectory("linnet-bench-cp-");
        var options = new ControlPlaneOptions
        {
            GrpcListen = new IPEndPoint(IPAddress.Loopback, 0),
            HttpListen = new IPEndPoint(IPAddress.Loopback, 0),
            // The driver reads the credential from this owner-only file; it never crosses the logged pipe.
            AdminCredentialFile = Path.Combine(credentials.FullName, Linnet.ControlPlane.Security.AdminCredential.FileName),
        };
        await using var host = ControlPlaneHost.Create(options, store);
        await host.StartAsync();

        // Proxies and subscribers trust the control plane's CA (as universal mode hands it to its proxies).
        var anchorsFile = Path.Combine(credentials.FullName, "trust-anchors.pem");
        await File.WriteAllTextAsync(anchorsFile, host.Services.GetRequiredService<Linnet.ControlPlane.Core.Identity.MeshIdentity>().TrustAnchorsPem);
        using var stop = new CancellationTokenSource();
        var watcher = new StoreWatcher(store);
        var watching = watcher.RunAsync(stop.Token);
        var probe = new PoolProbe();
        var probing = probe.RunAsync(stop.Token);
        Write(new JsonObject
        {
            ["pid"] = Environment.ProcessId,
            ["grpc"] = host.GrpcEndPoint.ToString(),
            ["http"] = host.HttpEndPoint.ToString(),
            ["adminCredentialFile"] = options.AdminCredentialFile,
            ["trustAnchorsFile"] = anchorsFile,
            ["frequency"] = Stopwatch.Frequency,
            ["gc"] = System.Runtime.GCSettings.IsServerGC ? "server" : "workstation",
        });

        // Bounded: the driver sends a few hundred commands at most; EOF (the driver died) ends it too.
        for (var i = 0; i < 100_000; i++)
        {
            var line = await Console.In.ReadLineAsync();
            if (line is null or "quit")
            {
                break;
            }

            using var timeout = new CancellationTokenSource(CommandTimeout);
            try
            {
                Write(await ExecuteAsync(line.Split(' ', StringSplitOptions.RemoveEmptyEntries), host, store, watcher, probe, timeout.Token));
            }
            catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or OperationCanceledException or FormatException or IOException)
            {
                Write(new JsonObject { ["error"] = $"{ex.GetType().Name}: {ex.Message}" });
            }
        }

        await host.StopAsync();
        await stop.CancelAsync();
        await watching;
        await probing;
        credentials.Delete(recursive: true);
        return 0;
    }

    private static async Task<JsonObject> ExecuteAsync(string[] command, ControlPlaneHost host, InMemoryResourceStore store, StoreWatcher watcher, PoolProbe probe, CancellationToken ct)
    {
        switch (command)
        {
            case ["seed", var s, var i]:
                return await SeedAsync(host, store, int.Parse(s, CultureInfo.InvariantCulture), int.Parse(i, CultureInfo.InvariantCulture), ct);
            case ["scrape-seed", var n, var portBase]:
                return await ScrapeSeedAsync(host, store, int.Parse(n, CultureInfo.InvariantCulture), int.Parse(portBase, CultureInfo.InvariantCulture), ct);
            case ["series"]:
                var series = host.Services.GetRequiredService<Linnet.ControlPlane.Core.Metrics.EmbeddedSeriesStore>();
                return new JsonObject { ["series"] = series.SeriesCount, ["targets"] = series.TargetCount, ["dropped"] = series.DroppedSeries };
            case ["mem"]:
                return await MemoryAsync(ct);
            case ["watch", var r]:
                var revision = long.Parse(r, CultureInfo.InvariantCulture);
                var at = await watcher.WaitAsync(revision, ct);
                return new JsonObject
                {
                    ["revision"] = revision,
                    ["ts"] = at,
                    ["pool_late_ms"] = probe.TakeMaxLateMs(),
                    ["pool_threads"] = ThreadPool.ThreadCount,
                };
            case ["translate"]:
                return Translate(store);
            case ["now"]:
                return new JsonObject { ["ts"] = Stopwatch.GetTimestamp() };
            default:
                return new JsonObject { ["error"] = $"unknown command '{string.Join(' ', command)}'" };
        }
    }

    // Services through the HTTP API (admission assigns their local ports, as in universal mode); Instances
    // straight into the store, one commit per Service, as the platform writes them.
    private static async Task<JsonObject> SeedAsync(ControlPlaneHost host, InMemoryResourceStore store, int services, int instances, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using (var handler = new SocketsHttpHandler { UseProxy = false })
        using (var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60), DefaultRequestHeaders = { Authorization = new("Bearer", host.AdminCredential.Token) } })
        using (var content = new StringContent(Mesh.ServicesManifest(services) + Mesh.RouteManifest(50), Encoding.UTF8, "application/yaml"))
        {
            using var response = await client.PostAsync(new Uri($"http://{host.HttpEndPoint}/api/v1/apply?source=bench-seed"), content, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"seed apply answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
            }
        }

        for (var s = 0; s < services; s++)
        {
            var changes = Mesh.Instances(s, instances).Select(i => (StoreChange)new PutChange(i)).ToList();
            await store.CommitAsync(changes, ct);
        }

        return new JsonObject
        {
            ["revision"] = store.Revision,
            ["endpoints"] = services * instances,
            ["seconds"] = Stopwatch.GetElapsedTime(started).TotalSeconds,
        };
    }

    // The scrape benchmark's mesh: Service "app" through the HTTP API, then one ready Instance per fleet proxy in
    // one commit (as the platform writes them): from here on the embedded scraper scrapes every proxy.
    private static async Task<JsonObject> ScrapeSeedAsync(ControlPlaneHost host, InMemoryResourceStore store, int proxies, int portBase, CancellationToken ct)
    {
        using (var handler = new SocketsHttpHandler { UseProxy = false })
        using (var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60), DefaultRequestHeaders = { Authorization = new("Bearer", host.AdminCredential.Token) } })
        using (var content = new StringContent(Mesh.ScrapeServiceManifest, Encoding.UTF8, "application/yaml"))
        {
            using var response = await client.PostAsync(new Uri($"http://{host.HttpEndPoint}/api/v1/apply?source=bench-seed"), content, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"seed apply answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
            }
        }

        await store.CommitAsync([.. Mesh.FleetInstances(proxies, portBase).Select(i => (StoreChange)new PutChange(i))], ct);
        return new JsonObject { ["revision"] = store.Revision, ["instances"] = proxies };
    }

    // RSS after a settle: two full blocking compacting collections, then the median of three readings
    // 0.5 s apart (the RSS before collecting is reported too).
    private static async Task<JsonObject> MemoryAsync(CancellationToken ct)
    {
        var before = ProcFs.RssKb(Environment.ProcessId) ?? 0;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var readings = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            readings.Add(ProcFs.RssKb(Environment.ProcessId) ?? 0);
        }

        var info = GC.GetGCMemoryInfo();
        return new JsonObject
        {
            ["rss_before_gc_kb"] = before,
            ["rss_kb"] = Stats.Median(readings),
            ["gc_heap_bytes"] = GC.GetTotalMemory(false),
            ["gc_committed_bytes"] = info.TotalCommittedBytes,
            // Generation sizes after the collection: 0-2, then the large (LOH) and pinned (POH) object heaps.
            ["gen2_bytes"] = info.GenerationInfo[2].SizeAfterBytes,
            ["loh_bytes"] = info.GenerationInfo[3].SizeAfterBytes,
            ["poh_bytes"] = info.GenerationInfo[4].SizeAfterBytes,
            ["threads"] = Process.GetCurrentProcess().Threads.Count,
        };
    }

    // What every commit costs before any subscriber is sent anything: MeshViewCache translates the whole
    // store snapshot again (MeshTranslator.Translate). Timed here directly, median of 5.
    private static JsonObject Translate(InMemoryResourceStore store)
    {
        var snapshot = store.Snapshot();
        var times = new List<double>();
        var services = 0;
        for (var i = 0; i < 5; i++)
        {
            var started = Stopwatch.GetTimestamp();
            services = MeshTranslator.Translate(snapshot).Services.Count;
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return new JsonObject { ["ms"] = Stats.Median(times), ["min_ms"] = times.Min(), ["services"] = services };
    }

    private static void Write(JsonObject reply) => Console.Out.WriteLine(Reply + reply.ToJsonString());
}

/// <summary>The peer: a plain watch on the store, recording when each revision's first event arrives.
/// Keeps the last few revisions only, so it adds nothing to the memory figures.</summary>
internal sealed class StoreWatcher(IResourceStore store)
{
    private const int Keep = 256;
    private readonly Lock _lock = new();
    private readonly Queue<(long Revision, long At)> _seen = new();
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _last;

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var e in store.WatchAsync(store.Revision, ct))
            {
                var at = Stopwatch.GetTimestamp();
                if (e.Revision == _last)
                {
                    continue;
                }

                _last = e.Revision;
                TaskCompletionSource progress;
                lock (_lock)
                {
                    _seen.Enqueue((e.Revision, at));
                    while (_seen.Count > Keep)
                    {
                        _seen.Dequeue();
                    }

                    progress = _progress;
                    _progress = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                progress.TrySetResult();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>The timestamp at which <paramref name="revision"/> was seen (waits for it, bounded by <paramref name="ct"/>).</summary>
    public async Task<long> WaitAsync(long revision, CancellationToken ct)
    {
        for (var i = 0; i < 10_000; i++)
        {
            Task progress;
            lock (_lock)
            {
                foreach (var (r, at) in _seen)
                {
                    if (r == revision)
                    {
                        return at;
                    }
                }

                progress = _progress.Task;
            }

            await progress.WaitAsync(ct);
        }

        throw new InvalidOperationException($"revision {revision} never seen");
    }
}

/// <summary>A diagnostic: how late a 10 ms periodic timer's continuation runs on the thread pool. A late
/// tick means queued work (a subscriber's update, an HTTP response) waited for a thread, too.</summary>
internal sealed class PoolProbe
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);
    private long _maxLateTicks;

    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Period);
        var last = Stopwatch.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var now = Stopwatch.GetTimestamp();
                var late = now - last - (long)(Period.TotalSeconds * Stopwatch.Frequency);
                last = now;
                long seen;
                do
                {
                    seen = Interlocked.Read(ref _maxLateTicks);
                }
                while (late > seen && Interlocked.CompareExchange(ref _maxLateTicks, late, seen) != seen);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>The largest lateness since the last call, in ms.</summary>
    public double TakeMaxLateMs() => Interlocked.Exchange(ref _maxLateTicks, 0) * 1000.0 / Stopwatch.Frequency;
}
