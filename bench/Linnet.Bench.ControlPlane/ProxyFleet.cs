using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Linnet.Bench.ControlPlane;

/// <summary>Real <c>linnet-proxy</c> processes subscribed to one control plane. Proxy i listens on a
/// loopback address of its own, <c>127.77.(i/250).(i%250+1)</c> (as universal mode gives each instance one,
/// so that every proxy can bind the Services' local ports), with admin, inbound and outbound on
/// <c>portBase + 3i</c>, <c>+1</c>, <c>+2</c>.</summary>
internal sealed class ProxyFleet : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly List<Uri> _admin = [];
    private readonly List<string> _logs = [];
    private readonly HttpClient _http;

    private ProxyFleet()
    {
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = 1,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(2),
        })
        {
            Timeout = TimeSpan.FromSeconds(5),
        };
    }

    public int Count => _processes.Count;

    public IReadOnlyList<int> Pids => _processes.Select(p => p.Id).ToList();

    public static string Address(int i) => string.Create(CultureInfo.InvariantCulture, $"127.77.{i / 250}.{(i % 250) + 1}");

    /// <summary>Fails when one of the ports is taken.</summary>
    public static void CheckPortsFree(int count, int portBase)
    {
        for (var i = 0; i < count; i++)
        {
            for (var k = 0; k < 3; k++)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                var endPoint = new IPEndPoint(IPAddress.Parse(Address(i)), portBase + (3 * i) + k);
                try
                {
                    socket.Bind(endPoint);
                }
                catch (SocketException ex)
                {
                    throw new InvalidOperationException($"{endPoint} is not free ({ex.SocketErrorCode}); set BENCH_PORT_BASE", ex);
                }
            }
        }
    }

    /// <summary>Starts <paramref name="count"/> proxies (each logging to its own file in <paramref name="workDir"/>).</summary>
    /// <remarks>Each proxy holds a workload token of its own (service account <c>proxy-i</c>, from the control
    /// plane's token API, owner-only on disk) and the control plane's trust anchors, as universal mode sets a
    /// proxy up: it gets its certificate from Certify and subscribes over TLS with it.</remarks>
    public static async Task<ProxyFleet> StartAsync(string proxyBin, int count, ControlPlaneProcess controlPlane, string workDir, int portBase, CancellationToken ct)
    {
        var fleet = new ProxyFleet();
        try
        {
            var anchors = Path.Combine(workDir, "trust-anchors.pem");
            await File.WriteAllTextAsync(anchors, controlPlane.TrustAnchorsPem, ct);
            for (var i = 0; i < count; i++)
            {
                var address = Address(i);
                var serviceAccount = string.Create(CultureInfo.InvariantCulture, $"proxy-{i}");
                var token = Path.Combine(workDir, serviceAccount + ".token");
                var identity = await controlPlane.CreateTokenAsync(serviceAccount, token, ct);
                var admin = portBase + (3 * i);
                var config = Path.Combine(workDir, string.Create(CultureInfo.InvariantCulture, $"proxy-{i}.yaml"));
                File.WriteAllText(config, string.Create(CultureInfo.InvariantCulture, $$"""
                    workload: {namespace: {{Mesh.Namespace}}, name: proxy-{{i}}, pod: proxy-{{i}}-0}
                    admin: {listen: "{{address}}:{{admin}}"}
                    inbound: {listen: "{{address}}:{{admin + 1}}", appPort: 8080, appHost: {{address}}}
                    outbound: {listen: "{{address}}:{{admin + 2}}"}
                    drainTimeout: 2s
                    controlPlane: {address: "{{controlPlane.GrpcAddress}}"}
                    identity: {name: "{{identity}}", trustAnchorsFile: "{{anchors}}", tokenFile: "{{token}}"}

                    """));
                // exec: the pid is the proxy's own; its output goes to a file, not through this process.
                var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
                foreach (var arg in new[] { "-c", "exec \"$0\" --config \"$1\" >\"$2\" 2>&1", proxyBin, config, Path.ChangeExtension(config, ".log") })
                {
                    psi.ArgumentList.Add(arg);
                }

                fleet._processes.Add(Process.Start(psi) ?? throw new InvalidOperationException("could not start linnet-proxy"));
                fleet._logs.Add(Path.ChangeExtension(config, ".log"));
                fleet._admin.Add(new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{address}:{admin}/")));
            }

            return fleet;
        }
        catch
        {
            fleet.StopAll();
            throw;
        }
    }

    /// <summary>Waits (bounded) until every proxy's <c>/ready</c> answers 200: listeners bound and the
    /// control plane's snapshot in effect. Returns the time that took from now, in ms.</summary>
    public async Task<double> WaitReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var ready = new bool[Count];
        while (Stopwatch.GetElapsedTime(started) < timeout)
        {
            var exited = _processes.FindIndex(p => p.HasExited);
            if (exited >= 0)
            {
                throw new InvalidOperationException($"proxy {exited} exited during start-up (exit code {_processes[exited].ExitCode})");
            }

            await Task.WhenAll(Enumerable.Range(0, Count).Where(i => !ready[i]).Select(async i => ready[i] = await IsReadyAsync(i, ct)));
            if (ready.All(r => r))
            {
                return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }

        throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"only {ready.Count(r => r)} of {Count} proxies were ready within {timeout.TotalSeconds} s"));
    }

    /// <summary>Polls every proxy's <c>/config-version</c> every <paramref name="interval"/> (in parallel,
    /// bounded by <paramref name="timeout"/>) until it answers <paramref name="version"/> or later; returns per proxy
    /// the timestamp at which that answer was received (0: never). Started before the apply, so a proxy
    /// that gets the update before the apply's response is seen at once (call it before applying).</summary>
    public async Task<long[]> WaitVersionAsync(string version, TimeSpan interval, TimeSpan timeout, CancellationToken ct)
    {
        var at = new long[Count];
        var wanted = long.Parse(version, CultureInfo.InvariantCulture);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, Count).Select(async i =>
        {
            while (Stopwatch.GetElapsedTime(started) < timeout)
            {
                var body = await GetAsync(new Uri(_admin[i], "config-version"), ct);
                var now = Stopwatch.GetTimestamp();

                // This version or a later one: the route-status commit follows each apply within a millisecond
                // or so, and a proxy polled after it holds that one (as the subscribers, it counts when first seen).
                if (long.TryParse(body?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var held) && held >= wanted)
                {
                    at[i] = now;
                    return;
                }

                await Task.Delay(interval, ct);
            }
        }));
        return at;
    }

    /// <summary>Waits (bounded) until every proxy's log has a <c>Config N applied</c> line with N at least
    /// <paramref name="version"/> (ServiceTable writes it as the new table takes effect; the route-status commit
    /// that follows an apply within a millisecond may reach a proxy together with it, so the proxy applies only
    /// the later version, as the polled way counts it too) and returns the first such line's time of day (local, as the proxy's
    /// console logger writes it; null: not seen). Checks after 1 s, then every 250 ms: reading the logs does
    /// not load the proxies.</summary>
    public async Task<TimeSpan?[]> AppliedAtAsync(string version, TimeSpan timeout, CancellationToken ct)
    {
        var found = new TimeSpan?[Count];
        var wanted = long.Parse(version, CultureInfo.InvariantCulture);
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        while (true)
        {
            for (var i = 0; i < Count; i++)
            {
                if (found[i] is null)
                {
                    found[i] = FindLogTime(_logs[i], wanted);
                }
            }

            if (found.All(f => f is not null) || Stopwatch.GetElapsedTime(started) >= timeout)
            {
                return found;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }
    }

    private static TimeSpan? FindLogTime(string log, long wanted)
    {
        try
        {
            using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            // Bounded by the file: a few lines per change.
            while (reader.ReadLine() is { } line)
            {
                // "19:02:03.467 info: Linnet.Proxy.Routing.ServiceTable[1] Config 105 applied: 100 services"
                var at0 = line.IndexOf("] Config ", StringComparison.Ordinal);
                var end = at0 < 0 ? -1 : line.IndexOf(" applied:", at0, StringComparison.Ordinal);
                if (end > 0
                    && long.TryParse(line.AsSpan(at0 + 9, end - at0 - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var held)
                    && held >= wanted
                    && TimeSpan.TryParseExact(line.AsSpan(0, 12), @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture, out var at))
                {
                    return at;
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    /// <summary>VmRSS of every proxy, in KiB.</summary>
    public IReadOnlyList<double> RssKb() => _processes.Select(p => (double)(ProcFs.RssKb(p.Id) ?? 0)).ToList();

    public int Exited => _processes.Count(p => p.HasExited);

    /// <summary>Proxy log lines at warning level or above (a sign that something went wrong).</summary>
    public (int Count, string? First) Warnings(string workDir)
    {
        var count = 0;
        string? first = null;
        for (var i = 0; i < Count; i++)
        {
            var log = Path.Combine(workDir, string.Create(CultureInfo.InvariantCulture, $"proxy-{i}.log"));
            if (!File.Exists(log))
            {
                continue;
            }

            foreach (var line in File.ReadLines(log))
            {
                if (line.Contains(" warn:", StringComparison.Ordinal) || line.Contains(" fail:", StringComparison.Ordinal) || line.Contains(" crit:", StringComparison.Ordinal))
                {
                    count++;
                    first ??= string.Create(CultureInfo.InvariantCulture, $"proxy {i}: {line}");
                }
            }
        }

        return (count, first);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                _ = NativeMethods.Kill(process.Id, NativeMethods.SigTerm);
            }
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await Task.WhenAll(_processes.Select(p => p.WaitForExitAsync(wait.Token)));
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("proxies: some did not stop on SIGTERM within 15 s; killing them");
        }

        StopAll();
        _http.Dispose();
    }

    private void StopAll()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }

            process.Dispose();
        }
    }

    private async Task<bool> IsReadyAsync(int i, CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(_admin[i], "ready"), ct);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task<string?> GetAsync(Uri uri, CancellationToken ct)
    {
        try
        {
            return await _http.GetStringAsync(uri, ct);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }
}
