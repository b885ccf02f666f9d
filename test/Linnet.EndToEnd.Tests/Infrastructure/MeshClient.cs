using System.Globalization;
using System.Text;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>Traffic from a client workload: HTTP/1.1 requests sent to the outbound listener of its proxy
/// (<c>http://&lt;client&gt;:4140</c>) with the Host of the service, as an app using <c>HTTP_PROXY</c> sends
/// them; plus direct access to the test app's counters and failure knob (<c>&lt;instance&gt;:8080/_e2e/…</c>)
/// and to the CLI's <c>apply</c>.</summary>
internal sealed class MeshClient : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(10), MaxConnectionsPerServer = 64 })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public MeshClient(string clientAddress)
    {
        ClientAddress = clientAddress;
    }

    public string ClientAddress { get; }

    public HttpClient Http => _http;

    /// <summary>One GET of <paramref name="path"/> on <paramref name="service"/>.</summary>
    public async Task<Reply> GetAsync(string service, string path, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{ClientAddress}:4140{path}"));
        request.Headers.Host = service;
        using var response = await _http.SendAsync(request, cancellationToken);
        var body = (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
        var elapsed = TimeProvider.System.GetElapsedTime(started);
        var error = response.Headers.TryGetValues("l5d-proxy-error", out var values) ? string.Join(',', values) : null;
        var words = body.Split(' ');
        return (int)response.StatusCode == 200 && words is ["backend", var instance, var version]
            ? new Reply(200, instance, version, error, elapsed, body)
            : new Reply((int)response.StatusCode, words is [_, var i, _] ? i : null, null, error, elapsed, body);
    }

    /// <summary><paramref name="count"/> GETs with at most <paramref name="concurrency"/> in flight.</summary>
    public async Task<List<Reply>> BurstAsync(string service, string path, int count, int concurrency, CancellationToken cancellationToken)
    {
        var replies = new Reply[count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(
            async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    replies[i] = await GetAsync(service, path, cancellationToken);
                }
            },
            cancellationToken)));
        return [.. replies];
    }

    /// <summary>The test app's counts at <paramref name="instance"/>: served and failed per first path segment.</summary>
    public async Task<(long Served, long Failed)> CountsAsync(string instance, string segment, CancellationToken cancellationToken)
    {
        var text = await _http.GetStringAsync(new Uri($"http://{instance}:8080/_e2e/counts"), cancellationToken);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var words = line.Split(' ');
            if (words[0] == segment)
            {
                return (long.Parse(words[1], CultureInfo.InvariantCulture), long.Parse(words[2], CultureInfo.InvariantCulture));
            }
        }

        return (0, 0);
    }

    /// <summary>Sets the share of requests the test app at <paramref name="instance"/> answers with 500.</summary>
    public async Task SetFailPercentAsync(string instance, double percent, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync(new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{instance}:8080/_e2e/fail?percent={percent}")), null, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The proxy metrics of <paramref name="instance"/> (the client's when null).</summary>
    public Task<PromText> MetricsAsync(CancellationToken cancellationToken, string? instance = null) =>
        PromText.ScrapeAsync(_http, instance ?? ClientAddress, cancellationToken);

    /// <summary><c>linnet apply -f</c> with <paramref name="yaml"/> in a file, as a user applies manifests;
    /// asserts that it succeeded.</summary>
    public static async Task ApplyFileAsync(Mesh mesh, string yaml, CancellationToken cancellationToken)
    {
        var file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"linnet-e2e-{Guid.NewGuid().ToString("N")[..12]}.yaml");
        await File.WriteAllTextAsync(file, yaml, Encoding.UTF8, cancellationToken);
        try
        {
            var apply = await mesh.RunCliAsync(cancellationToken, "apply", "-f", file);
            Assert.True(apply.ExitCode == 0, $"linnet apply exited {apply.ExitCode}:\n{apply.Output}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    public void Dispose() => _http.Dispose();
}
