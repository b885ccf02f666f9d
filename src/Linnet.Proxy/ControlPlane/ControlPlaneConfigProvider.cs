using Grpc.Core;
using Grpc.Net.Client;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Identity;
using Linnet.Proxy.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Proto = Linnet.Api.Destination.V1;
using Linnet.Proxy.Resilience;

namespace Linnet.Proxy.ControlPlane;

/// <summary>Routing config from the control plane's <c>Destination.Subscribe</c> stream (h2c). Applies the
/// snapshot, then incremental updates, publishing an immutable <see cref="ProxyConfigSnapshot"/> for each.
/// When the stream ends or fails it keeps serving the last config and reconnects with jittered exponential
/// backoff; the first message of every new stream is a snapshot that replaces everything held.</summary>
internal sealed partial class ControlPlaneConfigProvider : BackgroundService, IProxyConfigProvider
{
    /// <summary>A snapshot of a large mesh is one message: allow more than gRPC's 4 MB default.</summary>
    private const int MaxMessageSize = 64 * 1024 * 1024;

    private readonly Uri _address;
    private readonly ProxyIdentity _identity;
    private readonly WorkloadInfo _workload;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ReconnectBackoff _backoff;
    private readonly DestinationState _state;
    private readonly GrpcChannel _channel;
    private CancellationTokenSource _changed = new();
    private volatile ProxyConfigSnapshot _snapshot;
    private volatile bool _synced;
    private int _subscriptions;
    private long _retryDelayTicks = -1;
    private int _disposed;

    /// <summary>Subscribes to the control plane at <see cref="BootstrapConfig.ControlPlaneAddress"/> as the
    /// bootstrap's workload once started and once the proxy holds its certificate.</summary>
    public ControlPlaneConfigProvider(BootstrapConfig bootstrap, ProxyIdentity identity, TimeProvider time, ILogger<ControlPlaneConfigProvider> logger)
        : this(bootstrap, identity, new IdentityMetrics(), time, logger, new Random())
    {
    }

    /// <summary>As the public constructor, with the metrics and the source of backoff jitter given (seeded in tests).</summary>
    internal ControlPlaneConfigProvider(BootstrapConfig bootstrap, ProxyIdentity identity, IdentityMetrics metrics, TimeProvider time, ILogger logger, Random jitter)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        var address = bootstrap.ControlPlaneAddress
            ?? throw new ArgumentException("the bootstrap config names no control plane", nameof(bootstrap));
        _address = new Uri($"https://{address}");
        _identity = identity;
        _workload = bootstrap.Workload;
        _time = time;
        _logger = logger;
        _backoff = new ReconnectBackoff(jitter);
        // Until the control plane answers (or while it cannot be reached at start), the bootstrap's default policy
        // holds, as Linkerd's proxy enforces LINKERD2_PROXY_INBOUND_DEFAULT_POLICY until discovery answers.
        _state = new DestinationState(InboundPolicyConfig.Uniform(bootstrap.DefaultInboundPolicy));
        _snapshot = new ProxyConfigSnapshot("", [], new CancellationChangeToken(_changed.Token)) { InboundPolicy = _state.InboundPolicy };
        _channel = GrpcChannel.ForAddress(_address, new GrpcChannelOptions
        {
            HttpHandler = Handler(new ControlPlaneTls(bootstrap, metrics, time, logger).CreateHandler("destination", identity)),
            MaxReceiveMessageSize = MaxMessageSize,
            DisposeHttpClient = true,
        });
    }

    /// <inheritdoc />
    public bool IsSynced => _synced;

    private static SocketsHttpHandler Handler(SocketsHttpHandler handler)
    {
        handler.PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan;

        // A control plane that vanished without a FIN (host down, partition) must still end the stream, so
        // that the proxy reconnects rather than waits forever.
        handler.KeepAlivePingDelay = TimeSpan.FromSeconds(20);
        handler.KeepAlivePingTimeout = TimeSpan.FromSeconds(10);
        handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests;
        return handler;
    }

    /// <summary>The version of the config in effect ("" until the first snapshot).</summary>
    public string Version => _snapshot.Version;

    /// <summary>How many times the stream has been opened (for tests and diagnostics).</summary>
    internal int Subscriptions => Volatile.Read(ref _subscriptions);

    /// <summary>The wait before the pending reconnect, once one has been scheduled; null before.</summary>
    internal TimeSpan? LastRetryDelay => Interlocked.Read(ref _retryDelayTicks) is var t and >= 0 ? TimeSpan.FromTicks(t) : null;

    /// <inheritdoc />
    public ProxyConfigSnapshot GetConfig() => _snapshot;

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        Log.Starting(_logger, _address);
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        // Registered both as itself and as a hosted service, so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            base.Dispose();
            _channel.Dispose();
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var stopping = stoppingToken;
        var client = new Proto.Destination.DestinationClient(_channel);
        try
        {
            // Destination authenticates the proxy by its certificate: subscribe once there is one.
            await _identity.WhenReadyAsync(stopping);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            if (await SubscribeOnceAsync(client, stopping))
            {
                failures = 0;
            }

            if (stopping.IsCancellationRequested)
            {
                return;
            }

            var delay = _backoff.Next(failures);
            failures++;
            Log.Reconnecting(_logger, (long)delay.TotalMilliseconds, _snapshot.Version);
            try
            {
                // The timer exists before the delay is published, so whoever sees it can advance a fake clock past it.
                var wait = Task.Delay(delay, _time, stopping);
                Interlocked.Exchange(ref _retryDelayTicks, delay.Ticks);
                await wait;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Reads one stream until it ends; true when it delivered a snapshot.</summary>
    private async Task<bool> SubscribeOnceAsync(Proto.Destination.DestinationClient client, CancellationToken stopping)
    {
        var request = new Proto.SubscribeRequest
        {
            Namespace = _workload.Namespace,
            Workload = _workload.Name,
            Instance = _workload.Pod,
            Version = _snapshot.Version,
        };
        var snapshotSeen = false;
        try
        {
            Interlocked.Increment(ref _subscriptions);
            using var call = client.Subscribe(request, cancellationToken: stopping);
            while (await call.ResponseStream.MoveNext(stopping))
            {
                var update = call.ResponseStream.Current;
                if (!update.Snapshot && !snapshotSeen)
                {
                    // Incremental updates only make sense on top of this stream's snapshot: start over.
                    Log.IncrementalBeforeSnapshot(_logger, update.Version);
                    return false;
                }

                snapshotSeen |= update.Snapshot;
                Apply(update);
            }

            Log.StreamEnded(_logger, _snapshot.Version);
        }
        catch (Exception ex) when (stopping.IsCancellationRequested && ex is OperationCanceledException or RpcException)
        {
            // Shutting down.
        }
        catch (RpcException ex)
        {
            Log.StreamFailed(_logger, ex.StatusCode, ex.Status.Detail, _snapshot.Version);
        }
#pragma warning disable CA1031 // Whatever went wrong, the proxy must keep serving and keep reconnecting.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.StreamError(_logger, ex, _snapshot.Version);
        }

        return snapshotSeen;
    }

    private void Apply(Proto.ConfigUpdate update)
    {
        var problems = new List<string>();
        var services = _state.Apply(update, problems);
        foreach (var problem in problems)
        {
            Log.UpdateProblem(_logger, update.Version, problem);
        }

        var previous = _changed;
        _changed = new CancellationTokenSource();
        _snapshot = new ProxyConfigSnapshot(update.Version, services, new CancellationChangeToken(_changed.Token)) { InboundPolicy = _state.InboundPolicy };

        // Subscribers (the service table) compile the new snapshot before this returns, so that once
        // IsSynced is true the data path already routes with it.
        previous.Cancel();
        Log.Applied(_logger, update.Version, update.Snapshot ? "snapshot" : "incremental", services.Count);
        if (update.Snapshot && !_synced)
        {
            _synced = true;
            Log.Synced(_logger, update.Version);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Subscribing to the control plane at {Address}")]
        public static partial void Starting(ILogger logger, Uri address);

        [LoggerMessage(2, LogLevel.Information, "Control plane config {Version} is in effect: the proxy is synced")]
        public static partial void Synced(ILogger logger, string version);

        [LoggerMessage(3, LogLevel.Debug, "Control plane config {Version} applied ({Kind}): {Count} services")]
        public static partial void Applied(ILogger logger, string version, string kind, int count);

        [LoggerMessage(4, LogLevel.Warning, "Control plane stream ended; serving config {Version} meanwhile")]
        public static partial void StreamEnded(ILogger logger, string version);

        [LoggerMessage(5, LogLevel.Warning, "Control plane stream failed ({Status}: {Detail}); serving config {Version} meanwhile")]
        public static partial void StreamFailed(ILogger logger, StatusCode status, string detail, string version);

        [LoggerMessage(6, LogLevel.Error, "Control plane stream failed; serving config {Version} meanwhile")]
        public static partial void StreamError(ILogger logger, Exception exception, string version);

        [LoggerMessage(7, LogLevel.Information, "Reconnecting to the control plane in {DelayMs} ms (holding config {Version})")]
        public static partial void Reconnecting(ILogger logger, long delayMs, string version);

        [LoggerMessage(8, LogLevel.Warning, "Control plane sent an incremental update ({Version}) before a snapshot; reconnecting")]
        public static partial void IncrementalBeforeSnapshot(ILogger logger, string version);

        [LoggerMessage(9, LogLevel.Warning, "Control plane config {Version}: {Problem}")]
        public static partial void UpdateProblem(ILogger logger, string version, string problem);
    }
}
