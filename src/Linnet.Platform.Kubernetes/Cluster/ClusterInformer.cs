using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>client-go's informer for one type: list, then watch from the list's resourceVersion; a watch that ends
/// is resumed from the last resourceVersion seen (events and bookmarks), each delivered to its sink; a 410 (<c>Expired</c>) relists; every
/// <see cref="ResyncPeriod"/> the cached objects go through the mirror again; failures back off and relist.</summary>
public sealed partial class ClusterInformer(ClusterApi api, WatchedType type, IClusterObjectSink mirror, TimeProvider time, ILogger logger)
{
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _lists;
    private int _watches;

    /// <summary>The type it watches.</summary>
    public WatchedType Type => type;

    /// <summary>How often cached objects are handed to the mirror again.</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The wait after a failed list or watch.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Completes when the first list is in the mirror.</summary>
    public Task Synced => _synced.Task;

    /// <summary>How many lists it made.</summary>
    public int Lists => Volatile.Read(ref _lists);

    /// <summary>How many watches it opened.</summary>
    public int Watches => Volatile.Read(ref _watches);

    /// <summary>Runs until canceled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var resyncLoop = ResyncAsync(cancellationToken);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await ListAndWatchAsync(cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or IOException or KubernetesException or System.Text.Json.JsonException)
                {
                    Log.Failed(logger, type.ToString(), ex.Message);
                    await Task.Delay(RetryDelay, time, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await resyncLoop;
    }

    private async Task ListAndWatchAsync(CancellationToken cancellationToken)
    {
        var (items, resourceVersion) = await api.ListAsync(type, cancellationToken);
        Interlocked.Increment(ref _lists);
        await mirror.ReplaceAsync(type, items, cancellationToken);
        _synced.TrySetResult();
        Log.Listed(logger, type.ToString(), items.Count, resourceVersion);
        while (!cancellationToken.IsCancellationRequested)
        {
            var expired = false;
            Exception? failure = null;
            Interlocked.Increment(ref _watches);
            await foreach (var (eventType, obj) in api.WatchAsync(type, resourceVersion, ex =>
            {
                if (ex is KubernetesException { Status.Code: 410 })
                {
                    expired = true;
                }
                else
                {
                    failure ??= ex;
                }
            }, cancellationToken))
            {
                if (obj["metadata"]?["resourceVersion"]?.GetValue<string>() is { Length: > 0 } seen)
                {
                    resourceVersion = seen;
                }

                switch (eventType)
                {
                    case WatchEventType.Added or WatchEventType.Modified:
                        await mirror.UpsertAsync(type, obj, cancellationToken);
                        break;
                    case WatchEventType.Deleted:
                        await mirror.DeleteAsync(type, obj, cancellationToken);
                        break;
                }
            }

            if (expired)
            {
                Log.Expired(logger, type.ToString(), resourceVersion);
                return; // relist
            }

            if (failure is not null)
            {
                throw new IOException($"the watch of {type} failed: {failure.Message}", failure);
            }

            Log.Resumed(logger, type.ToString(), resourceVersion);
        }
    }

    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ResyncPeriod, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await mirror.ResyncAsync(type, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Listed {Type}: {Count} object(s) at resourceVersion {ResourceVersion}")]
        public static partial void Listed(ILogger logger, string type, int count, string resourceVersion);

        [LoggerMessage(2, LogLevel.Information, "The watch of {Type} from resourceVersion {ResourceVersion} expired (410): relisting")]
        public static partial void Expired(ILogger logger, string type, string resourceVersion);

        [LoggerMessage(3, LogLevel.Debug, "The watch of {Type} ended: resuming from resourceVersion {ResourceVersion}")]
        public static partial void Resumed(ILogger logger, string type, string resourceVersion);

        [LoggerMessage(4, LogLevel.Warning, "Listing or watching {Type} failed, retrying: {Reason}")]
        public static partial void Failed(ILogger logger, string type, string reason);
    }
}
