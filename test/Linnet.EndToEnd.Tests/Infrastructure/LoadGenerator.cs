using System.Collections.Concurrent;
using System.Globalization;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>Steady HTTP load through proxies' outbound listeners (<c>http://&lt;instance&gt;:4140/</c>, Host
/// <c>backend</c>: the proxy routes by authority): one request per interval per proxy, each recorded. Bounded
/// in time and count; requests in flight when it stops are awaited, not abandoned.</summary>
internal sealed class LoadGenerator : IAsyncDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = RequestTimeout };
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<RequestRecord> _records = new();
    private readonly string _host;
    private readonly Task _loops;

    private LoadGenerator(IEnumerable<string> proxies, string host, TimeSpan interval, TimeSpan maxDuration)
    {
        _host = host;
        _loops = Task.WhenAll(proxies.Select(p => Task.Run(() => LoopAsync(p, interval, maxDuration))));
    }

    /// <summary>Every request completed so far.</summary>
    public IReadOnlyList<RequestRecord> Records => [.. _records];

    /// <summary>Starts sending through each of <paramref name="proxies"/> (instance addresses) every
    /// <paramref name="interval"/>, for at most <paramref name="maxDuration"/>.</summary>
    public static LoadGenerator Start(IEnumerable<string> proxies, TimeSpan interval, TimeSpan maxDuration, string host = "backend") =>
        new(proxies, host, interval, maxDuration);

    /// <summary>Stops sending, waits for the requests in flight and returns every record.</summary>
    public async Task<IReadOnlyList<RequestRecord>> StopAsync()
    {
        await _stop.CancelAsync();
        await _loops;
        return Records;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
        _http.Dispose();
    }

    private async Task LoopAsync(string proxy, TimeSpan interval, TimeSpan maxDuration)
    {
        var uri = new Uri($"http://{proxy}:4140/");
        var started = TimeProvider.System.GetTimestamp();
        var maxCount = (int)(maxDuration / interval) + 1;
        var inFlight = new List<Task>();
        using var timer = new PeriodicTimer(interval);
        try
        {
            for (var i = 0; i < maxCount && TimeProvider.System.GetElapsedTime(started) < maxDuration; i++)
            {
                inFlight.Add(SendAsync(uri, proxy));
                await timer.WaitForNextTickAsync(_stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        await Task.WhenAll(inFlight);
    }

    private async Task SendAsync(Uri uri, string proxy)
    {
        var startedAt = TimeProvider.System.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Host = _host;
            using var response = await _http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var endedAt = TimeProvider.System.GetTimestamp();
            var words = body.Trim().Split(' ');
            var status = (int)response.StatusCode;
            _records.Enqueue(status == 200 && words is ["backend", var instance, var version]
                ? new RequestRecord(proxy, startedAt, endedAt, status, instance, version, null)
                : new RequestRecord(proxy, startedAt, endedAt, status, null, null, string.Create(CultureInfo.InvariantCulture, $"{status}: {body.Trim()} {string.Join(' ', response.Headers.Where(h => h.Key.StartsWith("l5d", StringComparison.Ordinal)).Select(h => $"{h.Key}={string.Join(',', h.Value)}"))}")));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            _records.Enqueue(new RequestRecord(proxy, startedAt, TimeProvider.System.GetTimestamp(), 0, null, null, $"{ex.GetType().Name}: {ex.Message}"));
        }
    }
}
