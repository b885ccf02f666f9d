using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.LoadTesting;

/// <summary>flagger-loadtester's task runner (pkg/loadtester/runner.go): a <c>cmd</c> task runs in the
/// background; the same command for the same canary is not started again while it runs (Flagger calls a rollout
/// hook at every interval, the load test outlives it); each task is bounded by the runner's timeout.</summary>
public sealed partial class LoadTaskRunner(HeyRunner runner, TimeSpan timeout, ILogger<LoadTaskRunner> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private long _started;

    /// <summary>Load tests started so far.</summary>
    public long Started => Interlocked.Read(ref _started);

    /// <summary>Starts <paramref name="load"/> for <paramref name="canary"/> unless the same command runs; returns whether it started.</summary>
    public bool Start(string canary, string command, HeyLoad load, bool logResult)
    {
        var key = canary + "\n" + command;
        var started = false;
        _running.GetOrAdd(key, _ =>
        {
            started = true;
            Interlocked.Increment(ref _started);
            return Task.Run(() => RunAsync(key, canary, command, load, logResult));
        });
        if (!started)
        {
            Log.Skipped(logger, canary, Describe(load));
        }

        return started;
    }

    private async Task RunAsync(string key, string canary, string command, HeyLoad load, bool logResult)
    {
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            bounded.CancelAfter(timeout);
            Log.Starting(logger, canary, Describe(load));
            var result = await runner.RunAsync(load, bounded.Token);
            var summary = string.Join(", ", result.Statuses.OrderBy(s => s.Key).Select(s => $"[{s.Key}] {s.Value}"));
            if (logResult)
            {
                Log.Finished(logger, canary, Describe(load), result.Total, summary, result.Errors);
            }
        }
        catch (OperationCanceledException)
        {
            Log.Stopped(logger, canary, Describe(load));
        }
        finally
        {
            _running.TryRemove(key, out _);
        }
    }

    // Headers (-H) may carry credentials: logs name the method and the URL without its query.
    private static string Describe(HeyLoad load) => $"hey {load.Method} {load.Url.GetLeftPart(UriPartial.Path)}";

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_running.Values);
        _stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Canary}: task starting {Command}")]
        public static partial void Starting(ILogger logger, string canary, string command);

        [LoggerMessage(2, LogLevel.Information, "{Canary}: command finished {Command}: {Total} requests, statuses {Statuses}, {Errors} without a response")]
        public static partial void Finished(ILogger logger, string canary, string command, long total, string statuses, long errors);

        [LoggerMessage(3, LogLevel.Information, "{Canary}: command skipped {Command} is already running")]
        public static partial void Skipped(ILogger logger, string canary, string command);

        [LoggerMessage(4, LogLevel.Information, "{Canary}: command stopped (timeout or shutdown) {Command}")]
        public static partial void Stopped(ILogger logger, string canary, string command);
    }
}
