using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Hosting;

/// <summary>A hosted loop that runs one pass at start and then one every <see cref="Interval"/> on the injected
/// clock, until the host stops. A pass that throws is logged and the loop goes on: a store conflict or a receiver
/// that times out must cost one pass, not the control plane — an exception escaping a
/// <see cref="BackgroundService"/> stops the whole host (the default
/// <see cref="BackgroundServiceExceptionBehavior.StopHost"/>).</summary>
internal abstract partial class PeriodicService(TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>The clock the loop and its passes read.</summary>
    protected TimeProvider Time { get; } = time;

    /// <summary>The service's logger.</summary>
    protected ILogger Logger { get; } = logger;

    /// <summary>The time between two passes.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>One pass.</summary>
    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    /// <inheritdoc />
    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, Time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // One failed pass is logged; the next pass tries again.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.PassFailed(Logger, GetType().Name, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private static partial class Log
    {
        [LoggerMessage(1000, LogLevel.Error, "{Service}: a pass failed; the next pass tries again")]
        public static partial void PassFailed(ILogger logger, string service, Exception exception);
    }
}
