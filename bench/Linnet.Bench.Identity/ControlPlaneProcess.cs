using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Linnet.Bench.Identity;

/// <summary>The real <c>linnet control-plane</c> as a process of its own, on loopback ports, its output in a log file.</summary>
internal sealed class ControlPlaneProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
    private readonly string _tokenFile;

    private ControlPlaneProcess(Process process, StreamWriter log, Uri api, string grpc, string dataDirectory)
    {
        _tokenFile = Path.Combine(dataDirectory, "admin-token");
        _process = process;
        _log = log;
        Api = api;
        GrpcAddress = grpc;
    }

    public Uri Api { get; }

    /// <summary>host:port of the gRPC listener (Certify).</summary>
    public string GrpcAddress { get; }

    public int Pid => _process.Id;

    public static async Task<ControlPlaneProcess> StartAsync(string linnet, string dataDirectory, string logPath, CancellationToken ct)
    {
        var api = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{FreePort()}/"));
        var grpc = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{FreePort()}");
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[linnet, "control-plane", "--data-dir", dataDirectory, "--api", api.ToString(), "--grpc-listen", grpc])
        {
            psi.ArgumentList.Add(argument);
        }

        psi.Environment.Remove("LINNET_API");
        psi.Environment.Remove("LINNET_HOME");
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the control plane");
        var log = new StreamWriter(logPath, append: false, Encoding.UTF8) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var cp = new ControlPlaneProcess(process, log, api, grpc, dataDirectory);
        var started = Stopwatch.GetTimestamp();
        while (!await cp.AnswersAsync(ct))
        {
            if (process.HasExited || Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(60))
            {
                await cp.DisposeAsync();
                throw new InvalidOperationException($"the control plane did not come up; see {logPath}");
            }

            await Task.Delay(100, ct);
        }

        return cp;
    }

    /// <summary>A workload token for <paramref name="ns"/>/<paramref name="serviceAccount"/> (POST /api/v1/tokens).</summary>
    public async Task<string> CreateTokenAsync(string ns, string serviceAccount, CancellationToken ct)
    {
        using var content = new StringContent(new JsonObject { ["namespace"] = ns, ["serviceAccount"] = serviceAccount }.ToJsonString(), Encoding.UTF8, "application/json");
        using var request = Authorized(HttpMethod.Post, "api/v1/tokens");
        request.Content = content;
        using var response = await _http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        return response.IsSuccessStatusCode
            ? JsonNode.Parse(body)!["token"]!.GetValue<string>()
            : throw new InvalidOperationException($"POST /api/v1/tokens answered {(int)response.StatusCode}: {body}");
    }

    /// <summary>User plus system CPU time the process has used (from /proc, in clock ticks of 1/<paramref name="clockTicks"/> s).</summary>
    public TimeSpan CpuTime(int clockTicks)
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of stat(5), counted from the state (field 3) here.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds((double)ticks / clockTicks);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
        _http.Dispose();
        await _log.DisposeAsync();
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }

    private async Task<bool> AnswersAsync(CancellationToken ct)
    {
        try
        {
            using var request = Authorized(HttpMethod.Get, "api/v1/health");
            using var response = await _http.SendAsync(request, ct);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>A request carrying the admin credential the control plane created in its data directory.</summary>
    private HttpRequestMessage Authorized(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(Api, path));
        if (File.Exists(_tokenFile))
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", File.ReadAllText(_tokenFile).Trim());
        }

        return request;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
