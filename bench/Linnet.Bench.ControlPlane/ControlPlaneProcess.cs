using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Linnet.Bench.ControlPlane;

/// <summary>The driver's handle on a <c>serve</c> child: start, one command at a time, stop.</summary>
internal sealed class ControlPlaneProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Channel<string> _replies = Channel.CreateUnbounded<string>();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HttpClient _http;
    private long _lastRevision;
    private int _weight = 50; // the seeded route's weight

    private ControlPlaneProcess(string name, Process process, StreamWriter log)
    {
        Name = name;
        _process = process;
        _log = log;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 1, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public string GrpcAddress { get; private set; } = "";

    public Uri HttpBase { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The owner-only file holding the admin credential (a Prometheus reads it as its credentials_file).</summary>
    public string AdminCredentialFile { get; private set; } = "";

    /// <summary>The control plane's trust anchors (PEM), which proxies and subscribers verify it with.</summary>
    public string TrustAnchorsPem { get; private set; } = "";

    /// <summary>Starts <c>linnet-bench-cp serve</c>, logging to <paramref name="logPath"/>, and waits for its listeners.</summary>
    public static async Task<ControlPlaneProcess> StartAsync(string name, string logPath, CancellationToken ct)
    {
        var psi = SelfStartInfo("serve");
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the control plane");
        var log = new StreamWriter(logPath, append: false, Encoding.UTF8) { AutoFlush = true };
        var cp = new ControlPlaneProcess(name, process, log);
        process.OutputDataReceived += (_, e) => cp.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => cp.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var hello = await cp.ReadReplyAsync(TimeSpan.FromSeconds(60), ct);
        if ((long?)hello["frequency"] != Stopwatch.Frequency)
        {
            throw new InvalidOperationException("the control plane's Stopwatch frequency differs from ours: timestamps are not comparable");
        }

        cp.GrpcAddress = (string)hello["grpc"]!;
        cp.HttpBase = new Uri($"http://{(string)hello["http"]!}/");
        cp.AdminCredentialFile = (string)hello["adminCredentialFile"]!;
        cp._http.DefaultRequestHeaders.Authorization = new("Bearer", File.ReadAllText(cp.AdminCredentialFile).Trim());
        cp.TrustAnchorsPem = await File.ReadAllTextAsync((string)hello["trustAnchorsFile"]!, ct);
        return cp;
    }

    /// <summary>The start info for running this program again with <paramref name="mode"/>.</summary>
    public static ProcessStartInfo SelfStartInfo(string mode)
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var psi = new ProcessStartInfo(path) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            psi.ArgumentList.Add(typeof(ControlPlaneProcess).Assembly.Location);
        }

        psi.ArgumentList.Add(mode);
        return psi;
    }

    public async Task<JsonObject> CommandAsync(string command, TimeSpan timeout, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await _process.StandardInput.WriteLineAsync(command.AsMemory(), ct);
            await _process.StandardInput.FlushAsync(ct);
            var reply = await ReadReplyAsync(timeout, ct);
            return reply["error"] is { } error ? throw new InvalidOperationException($"{Name}: '{command}' failed: {error}") : reply;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A workload token for <paramref name="serviceAccount"/> in the benchmark's namespace, as
    /// <c>linnet token create</c> gets one (<c>POST /api/v1/tokens</c>), written owner-only to
    /// <paramref name="path"/>; returns the identity it proves.</summary>
    public async Task<string> CreateTokenAsync(string serviceAccount, string path, CancellationToken ct)
    {
        var request = new JsonObject { ["namespace"] = Mesh.Namespace, ["serviceAccount"] = serviceAccount };
        using var content = new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(new Uri(HttpBase, "api/v1/tokens"), content, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{Name}: token for {serviceAccount} answered {(int)response.StatusCode}: {body}");
        }

        var reply = JsonNode.Parse(body)!;
        Linnet.ControlPlane.Core.Identity.IdentityFiles.WritePrivate(path, (string)reply["token"]! + "\n");
        return (string)reply["identity"]!;
    }

    /// <summary>The store revision the next apply will get: only the benchmark writes to this store.</summary>
    public long NextRevision => _lastRevision + 1;

    /// <summary>Reads the store's revision through the HTTP API.</summary>
    public async Task<long> RefreshRevisionAsync(CancellationToken ct)
    {
        var body = await _http.GetStringAsync(new Uri(HttpBase, "api/v1/health"), ct);
        _lastRevision = (long)JsonNode.Parse(body)!["revision"]!;
        return _lastRevision;
    }

    /// <summary>Waits (bounded, 5 s) until the store's revision has stopped moving for 250 ms and takes it as the
    /// last one. An apply is followed by a commit of the control plane's own: the route-status controller writes
    /// the HTTPRoute's Accepted/ResolvedRefs from the store watch, one revision after the apply's. The next
    /// change's revision is known only once that has landed.</summary>
    public async Task SettleAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var last = await RefreshRevisionAsync(ct);
        var stableSince = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(5) && Stopwatch.GetElapsedTime(stableSince) < TimeSpan.FromMilliseconds(250))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(25), ct);
            var now = await RefreshRevisionAsync(ct);
            if (now != last)
            {
                last = now;
                stableSince = Stopwatch.GetTimestamp();
            }
        }
    }

    /// <summary>Applies the route with a weight different from the last one (1-98, cycling); returns the
    /// commit's revision and when the request was sent and its 200 received.</summary>
    public async Task<(long Revision, long SentAt, long OkAt)> ApplyRouteAsync(CancellationToken ct)
    {
        _weight = (_weight % 98) + 1;
        using var content = new StringContent(Mesh.RouteManifest(_weight), Encoding.UTF8, "application/yaml");
        var sent = Stopwatch.GetTimestamp();
        using var response = await _http.PostAsync(new Uri(HttpBase, "api/v1/apply?source=bench"), content, ct);
        var ok = Stopwatch.GetTimestamp();
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{Name}: apply answered {(int)response.StatusCode}: {body}");
        }

        _lastRevision = (long)JsonNode.Parse(body)!["revision"]!;
        return (_lastRevision, sent, ok);
    }

    /// <summary>GET /api/v1/proxies: how many subscribers are connected and how many hold <paramref name="version"/>.</summary>
    public async Task<(int Connected, int AtVersion)> ProxiesAsync(string version, CancellationToken ct)
    {
        var body = await _http.GetStringAsync(new Uri(HttpBase, "api/v1/proxies"), ct);
        var list = JsonNode.Parse(body)!["proxies"]!.AsArray();
        return (list.Count, list.Count(p => (string?)p!["version"] == version));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await _process.StandardInput.WriteLineAsync("quit");
                await _process.StandardInput.FlushAsync();
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await _process.WaitForExitAsync(wait.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            Console.Error.WriteLine($"{Name}: did not stop on 'quit' ({ex.GetType().Name}); killing it");
        }
        finally
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }

            _process.Dispose();
            _http.Dispose();
            _gate.Dispose();
            await _log.DisposeAsync();
        }
    }

    private async Task<JsonObject> ReadReplyAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            var line = await _replies.Reader.ReadAsync(limit.Token);
            return JsonNode.Parse(line)!.AsObject();
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"{Name}: no reply within {timeout.TotalSeconds} s (exited: {_process.HasExited})"));
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"{Name}: the control plane exited");
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.StartsWith(ServeMode.Reply, StringComparison.Ordinal))
        {
            _replies.Writer.TryWrite(line[ServeMode.Reply.Length..]);
        }
        else
        {
            lock (_log)
            {
                _log.WriteLine(line);
            }
        }
    }
}
