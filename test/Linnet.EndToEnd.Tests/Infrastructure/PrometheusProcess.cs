using System.Globalization;
using System.Text.Json.Nodes;
using Linnet.Testing;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>Debian's Prometheus on a loopback port, scraping every second the targets an <c>http_sd_configs</c>
/// URL lists (as Linkerd's Prometheus scrapes proxies, with no honor_labels), with its data in a temporary
/// directory removed on dispose.</summary>
internal sealed class PrometheusProcess : IAsyncDisposable
{
    private readonly TestProcess _process;
    private readonly DirectoryInfo _directory;

    private PrometheusProcess(TestProcess process, DirectoryInfo directory, Uri url)
    {
        _process = process;
        _directory = directory;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>Starts it; the service discovery is asked with the bearer credential in <paramref name="credentialsFile"/>;
    /// each proxy is scraped every <paramref name="scrapeInterval"/> (Prometheus's duration syntax).</summary>
    public static async Task<PrometheusProcess> StartAsync(Uri serviceDiscovery, string credentialsFile, CancellationToken cancellationToken, string scrapeInterval = "1s")
    {
        var directory = Directory.CreateTempSubdirectory("linnet-e2e-prometheus-");
        var port = PortAllocator.GetFreeTcpPort();
        var config = Path.Combine(directory.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: {scrapeInterval}
              scrape_timeout: 1s
            scrape_configs:
              - job_name: linnet-proxy
                http_sd_configs:
                  - url: "{serviceDiscovery}"
                    refresh_interval: 1s
                    authorization:
                      type: Bearer
                      credentials_file: "{credentialsFile}"
            """, cancellationToken);
        var process = await TestProcess.StartAsync("/usr/bin/prometheus",
        [
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(directory.FullName, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
        ], cancellationToken: cancellationToken);
        return new PrometheusProcess(process, directory, new Uri($"http://127.0.0.1:{port}/"));
    }

    /// <summary>The single value of an instant query; null when the result is empty.</summary>
    public async Task<double?> ScalarAsync(HttpClient http, string query, CancellationToken cancellationToken)
    {
        try
        {
            var text = await http.GetStringAsync(new Uri(Url, $"api/v1/query?query={Uri.EscapeDataString(query)}"), cancellationToken);
            var result = JsonNode.Parse(text)!["data"]!["result"]!.AsArray();
            return result.Count == 0 ? null : double.Parse(result[0]!["value"]![1]!.ToString(), CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
            return null; // not listening yet
        }
    }

    /// <summary>The result of an instant query evaluated at <paramref name="time"/> (Prometheus's own timestamp text,
    /// or null for now): each series' labels and its value, or its samples for a range-vector query.</summary>
    public async Task<JsonArray> QueryAsync(HttpClient http, string query, string? time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var at = time is null ? "" : $"&time={Uri.EscapeDataString(time)}";
        var text = await http.GetStringAsync(new Uri(Url, $"api/v1/query?query={Uri.EscapeDataString(query)}{at}"), cancellationToken);
        var body = JsonNode.Parse(text)!;
        Assert.True(body["status"]?.ToString() == "success", $"{query}: {text}");
        return body["data"]!["result"]!.AsArray();
    }

    public string Tail() => string.Join('\n', _process.Lines.TakeLast(20));

    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync(TimeSpan.FromSeconds(10));
        await _process.DisposeAsync();
        _directory.Delete(recursive: true);
    }
}
