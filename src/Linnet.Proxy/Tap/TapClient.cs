using Grpc.Core;
using Grpc.Net.Client;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.ControlPlane;
using Linnet.Proxy.Identity;
using Linnet.Proxy.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Proto = Linnet.Api.Tap.V1;
using Linnet.Proxy.Resilience;

namespace Linnet.Proxy.Tap;

/// <summary>The proxy's end of <c>Tap.Attach</c>: opened towards the control plane (never the other way: the
/// proxy has no tap listener), over the TLS that verifies the control plane's identity, with the proxy's
/// certificate as client certificate. Takes tap commands, sends events; when the stream ends every tap ends
/// with it, and the client reconnects with jittered backoff.</summary>
internal sealed partial class TapClient : BackgroundService
{
    private readonly TapHub _hub;
    private readonly ProxyIdentity _identity;
    private readonly WorkloadInfo _workload;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly GrpcChannel _channel;
    private readonly ReconnectBackoff _backoff = new(new Random());
    private int _attachments;
    private int _disposed;

    public TapClient(BootstrapConfig bootstrap, TapHub hub, ProxyIdentity identity, IdentityMetrics metrics, TimeProvider time, ILogger<TapClient> logger)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        var address = bootstrap.ControlPlaneAddress ?? throw new ArgumentException("the bootstrap config names no control plane", nameof(bootstrap));
        _hub = hub;
        _identity = identity;
        _workload = bootstrap.Workload;
        _time = time;
        _logger = logger;
        var handler = new ControlPlaneTls(bootstrap, metrics, time, logger).CreateHandler("tap", identity);
        handler.PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan;
        handler.KeepAlivePingDelay = TimeSpan.FromSeconds(20);
        handler.KeepAlivePingTimeout = TimeSpan.FromSeconds(10);
        handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests;
        _channel = GrpcChannel.ForAddress(new Uri($"https://{address}"), new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    /// <summary>How many times the stream has been opened.</summary>
    internal int Attachments => Volatile.Read(ref _attachments);

    public override void Dispose()
    {
        // Registered both as itself and as a hosted service, so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            base.Dispose();
            _channel.Dispose();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var stopping = stoppingToken;
        try
        {
            await _identity.WhenReadyAsync(stopping);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var client = new Proto.Tap.TapClient(_channel);
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            if (await AttachOnceAsync(client, stopping))
            {
                failures = 0;
            }

            try
            {
                await Task.Delay(_backoff.Next(failures++), _time, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One stream, until it ends; true when the control plane accepted it.</summary>
    private async Task<bool> AttachOnceAsync(Proto.Tap.TapClient client, CancellationToken stopping)
    {
        var accepted = false;
        using var streamEnd = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        Task pump = Task.CompletedTask;
        try
        {
            Interlocked.Increment(ref _attachments);
            using var call = client.Attach(cancellationToken: streamEnd.Token);
            await call.RequestStream.WriteAsync(new Proto.ProxyTapMessage
            {
                Hello = new Proto.TapHello { Namespace = _workload.Namespace, Workload = _workload.Name, Instance = _workload.Pod },
            }, streamEnd.Token);
            pump = PumpAsync(call.RequestStream, streamEnd.Token);
            while (await call.ResponseStream.MoveNext(streamEnd.Token))
            {
                accepted = true;
                var command = call.ResponseStream.Current;
                switch (command.KindCase)
                {
                    case Proto.TapCommand.KindOneofCase.Start:
                        _hub.Start(command.Start);
                        Log.TapStarted(_logger, command.Start.Id, _hub.Count);
                        break;
                    case Proto.TapCommand.KindOneofCase.Stop:
                        _hub.Stop(command.Stop);
                        Log.TapStopped(_logger, command.Stop, _hub.Count);
                        break;
                }
            }
        }
        catch (Exception ex) when (stopping.IsCancellationRequested && ex is OperationCanceledException or RpcException)
        {
            // Shutting down.
        }
        catch (RpcException ex)
        {
            Log.StreamFailed(_logger, ex.StatusCode, ex.Status.Detail);
        }
#pragma warning disable CA1031 // Tap is an aid: whatever went wrong, the proxy keeps serving and reconnects.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.StreamError(_logger, ex);
        }
        finally
        {
            // No stream, no taps: the request path goes back to doing nothing.
            _hub.StopAll();
            await streamEnd.CancelAsync();
            try
            {
                await pump;
            }
            catch (Exception ex) when (ex is OperationCanceledException or RpcException or InvalidOperationException or IOException)
            {
                // The stream is gone.
            }
        }

        return accepted;
    }

    private async Task PumpAsync(IClientStreamWriter<Proto.ProxyTapMessage> stream, CancellationToken ct)
    {
        await foreach (var message in _hub.Outgoing.ReadAllAsync(ct))
        {
            await stream.WriteAsync(message, ct);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Tap {Id} started by the control plane ({Count} in effect)")]
        public static partial void TapStarted(ILogger logger, string id, int count);

        [LoggerMessage(2, LogLevel.Information, "Tap {Id} stopped ({Count} in effect)")]
        public static partial void TapStopped(ILogger logger, string id, int count);

        [LoggerMessage(3, LogLevel.Debug, "Tap stream to the control plane failed ({Status}: {Detail}); reconnecting")]
        public static partial void StreamFailed(ILogger logger, StatusCode status, string detail);

        [LoggerMessage(4, LogLevel.Warning, "Tap stream to the control plane failed; reconnecting")]
        public static partial void StreamError(ILogger logger, Exception exception);
    }
}
