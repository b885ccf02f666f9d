using System.Diagnostics;
using System.Net;

namespace Linnet.Bench.Load;

/// <summary>Settings of one fixed-rate run.</summary>
internal sealed record LoadOptions(Uri Url, double Rps, double DurationSeconds, bool Http2, int Connections, TimeSpan Timeout);

/// <summary>What one fixed-rate run measured. Latencies are of the requests that got a 200.</summary>
internal sealed record LoadResult(long Sent, long Ok, long Errors, long Non200, double P50Ms, double P90Ms, double P99Ms, double MaxMs, double MaxDispatchLagMs, string? FirstError);

/// <summary>
/// Open-loop load: request <c>i</c> is scheduled at <c>start + i / rps</c> on the Stopwatch timeline and
/// sent at that time whether or not earlier requests have answered. Each latency runs from the
/// <em>scheduled</em> time to the end of the response body, so a stall in the system under test (or in
/// this generator) is charged to every request it delays: no coordinated omission.
/// </summary>
internal sealed class FixedRateLoad(LoadOptions options) : IDisposable
{
    private readonly HttpClient _client = CreateClient(options);
    private long _ok;
    private long _errors;
    private long _non200;
    private string? _firstError;

    public async Task<LoadResult> RunAsync()
    {
        var count = (long)Math.Round(options.Rps * options.DurationSeconds);
        var latencies = new double[count];
        var tasks = new Task[count];
        var ticksPerRequest = Stopwatch.Frequency / options.Rps;
        var maxLag = 0L;

        // Every request's task is created by the pacing thread, a dedicated non-pool thread.
        var pacing = new Thread(() =>
        {
            Pacer.UseFineTimerSlack();
            var start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 100);
            for (long i = 0; i < count; i++)
            {
                var scheduled = start + (long)(i * ticksPerRequest);
                Pacer.WaitUntil(scheduled);
                maxLag = Math.Max(maxLag, Stopwatch.GetTimestamp() - scheduled);
                tasks[i] = SendOneAsync(i, scheduled, latencies);
            }
        })
        {
            IsBackground = true,
            Name = "pacing",
            Priority = ThreadPriority.AboveNormal,
        };
        pacing.Start();
        // Bounded: the schedule lasts DurationSeconds; give it the request timeout on top.
        var scheduleBound = TimeSpan.FromSeconds(options.DurationSeconds) + options.Timeout + TimeSpan.FromSeconds(5);
        if (!pacing.Join(scheduleBound))
        {
            throw new TimeoutException($"pacing did not finish within {scheduleBound}");
        }

        await Task.WhenAll(tasks).WaitAsync(options.Timeout + TimeSpan.FromSeconds(5));

        var okLatencies = latencies.Where(l => l > 0).ToArray();
        Array.Sort(okLatencies);
        return new LoadResult(
            Sent: count,
            Ok: _ok,
            Errors: _errors,
            Non200: _non200,
            P50Ms: Percentile(okLatencies, 0.50),
            P90Ms: Percentile(okLatencies, 0.90),
            P99Ms: Percentile(okLatencies, 0.99),
            MaxMs: okLatencies.Length == 0 ? double.NaN : okLatencies[^1],
            MaxDispatchLagMs: maxLag * 1000.0 / Stopwatch.Frequency,
            FirstError: _firstError);
    }

    public void Dispose() => _client.Dispose();

    private async Task SendOneAsync(long index, long scheduled, double[] latencies)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, options.Url)
            {
                Version = options.Http2 ? HttpVersion.Version20 : HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            var latency = Stopwatch.GetElapsedTime(scheduled).TotalMilliseconds;
            if (response.StatusCode == HttpStatusCode.OK)
            {
                latencies[index] = Math.Max(latency, 1e-6);
                Interlocked.Increment(ref _ok);
            }
            else
            {
                Interlocked.Increment(ref _non200);
                Interlocked.Increment(ref _errors);
                Interlocked.CompareExchange(ref _firstError, $"HTTP {(int)response.StatusCode}", null);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            Interlocked.Increment(ref _errors);
            Interlocked.CompareExchange(ref _firstError, $"{ex.GetType().Name}: {ex.Message}", null);
        }
    }

    private static HttpClient CreateClient(LoadOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.Connections,
            EnableMultipleHttp2Connections = false,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        return new HttpClient(handler, disposeHandler: true) { Timeout = options.Timeout };
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
