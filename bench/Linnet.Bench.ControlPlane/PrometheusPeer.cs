using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Linnet.Bench.ControlPlane;

/// <summary>The scrape benchmark's peer: Debian's Prometheus on a loopback port, configured as
/// docs/observability.md tells users to (the control plane's <c>http_sd_configs</c> endpoint with the admin
/// credential), at the embedded scraper's interval and timeout, its data in the work directory.</summary>
internal sealed class PrometheusPeer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    private PrometheusPeer(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    public Uri Url { get; }

    public int Pid => _process.Id;

    public static async Task<PrometheusPeer> StartAsync(string binary, int port, Uri serviceDiscovery, string credentialsFile, string workDir, CancellationToken ct)
    {
        var config = Path.Combine(workDir, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 5s
              scrape_timeout: 2s
            scrape_configs:
              - job_name: linnet-proxy
                http_sd_configs:
                  - url: "{serviceDiscovery}"
                    refresh_interval: 5s
                    authorization:
                      type: Bearer
                      credentials_file: "{credentialsFile}"
            """, ct);
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var arg in new[]
        {
            "-c", "exec \"$0\" --config.file=\"$1\" --storage.tsdb.path=\"$2\" --storage.tsdb.retention.time=15m --web.listen-address=\"$3\" >\"$4\" 2>&1",
            binary, config, Path.Combine(workDir, "prometheus-data"), string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}"), Path.Combine(workDir, "prometheus.log"),
        })
        {
            psi.ArgumentList.Add(arg);
        }

        var peer = new PrometheusPeer(Process.Start(psi) ?? throw new InvalidOperationException("could not start prometheus"), new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/")));
        try
        {
            var started = Stopwatch.GetTimestamp();
            while (!await peer.ReadyAsync(ct))
            {
                if (peer._process.HasExited || Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(60))
                {
                    throw new InvalidOperationException($"prometheus did not become ready (see {Path.Combine(workDir, "prometheus.log")})");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
            }

            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    /// <summary>The single value of an instant query; null when the result is empty or Prometheus does not answer.</summary>
    public async Task<double?> ScalarAsync(string query, CancellationToken ct)
    {
        try
        {
            var text = await _http.GetStringAsync(new Uri(Url, $"api/v1/query?query={Uri.EscapeDataString(query)}"), ct);
            var result = JsonNode.Parse(text)!["data"]!["result"]!.AsArray();
            return result.Count == 0 ? null : double.Parse(result[0]!["value"]![1]!.ToString(), CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>One unlabelled sample of Prometheus's own <c>/metrics</c> (e.g. <c>prometheus_tsdb_head_series</c>).</summary>
    public async Task<double?> OwnMetricAsync(string name, CancellationToken ct)
    {
        var text = await _http.GetStringAsync(new Uri(Url, "metrics"), ct);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(name.Length + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _ = NativeMethods.Kill(_process.Id, NativeMethods.SigTerm);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }

        _process.Dispose();
        _http.Dispose();
    }

    private async Task<bool> ReadyAsync(CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(Url, "-/ready"), ct);
            return response.IsSuccessStatusCode;
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
}
