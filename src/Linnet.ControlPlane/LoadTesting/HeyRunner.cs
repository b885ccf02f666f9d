using System.Collections.Concurrent;
using System.Text;

namespace Linnet.ControlPlane.LoadTesting;

/// <summary>Runs a <see cref="HeyLoad"/> in process, as hey does: <c>Concurrency</c> workers, each sending one
/// request after another (at most <c>RatePerWorker</c> a second), until <c>Requests</c> were sent or
/// <c>Duration</c> is over, or it is cancelled. Always bounded in count or time.</summary>
public sealed class HeyRunner(HttpMessageInvoker http, TimeProvider time)
{
    /// <summary>Runs <paramref name="load"/>.</summary>
    public async Task<LoadResult> RunAsync(HeyLoad load, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(load);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (load.Duration is { } duration)
        {
            stop.CancelAfter(duration);
        }

        var statuses = new ConcurrentDictionary<int, long>();
        long errors = 0;
        long remaining = load.Duration is null ? load.Requests : long.MaxValue;
        var workers = Enumerable.Range(0, load.Concurrency).Select(_ => WorkerAsync()).ToList();
        await Task.WhenAll(workers);
        cancellationToken.ThrowIfCancellationRequested();
        return new LoadResult(statuses.ToDictionary(), errors);

        async Task WorkerAsync()
        {
            using var pace = load.RatePerWorker > 0 ? new PeriodicTimer(TimeSpan.FromSeconds(1 / load.RatePerWorker), time) : null;
            try
            {
                while (Interlocked.Decrement(ref remaining) >= 0 && !stop.IsCancellationRequested)
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                    if (load.Timeout != Timeout.InfiniteTimeSpan)
                    {
                        timeout.CancelAfter(load.Timeout);
                    }

                    try
                    {
                        using var request = Request(load);
                        using var response = await http.SendAsync(request, timeout.Token);
                        await response.Content.CopyToAsync(Stream.Null, timeout.Token);
                        statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                    }
                    catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !stop.IsCancellationRequested))
                    {
                        Interlocked.Increment(ref errors);
                    }

                    if (pace is not null && !await pace.WaitForNextTickAsync(stop.Token))
                    {
                        return;
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The duration is over (or the test was stopped).
            }
        }
    }

    private static HttpRequestMessage Request(HeyLoad load)
    {
        var request = new HttpRequestMessage(new HttpMethod(load.Method), load.Url);
        if (load.Body is not null)
        {
            request.Content = new StringContent(load.Body, Encoding.UTF8);
            request.Content.Headers.ContentType = null;
        }

        foreach (var (name, value) in load.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.Remove(name);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (load.Host is not null)
        {
            request.Headers.Host = load.Host;
        }

        return request;
    }
}
