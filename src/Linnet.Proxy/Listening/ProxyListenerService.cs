using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Listening.Stages;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tls;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Listening;

/// <summary>Owns the proxy's inbound, outbound and per-service sockets: binds them, keeps the service ports in
/// step with the config, accepts, runs each connection through the <see cref="ConnectionPipeline"/>, and drains
/// on shutdown.</summary>
internal sealed partial class ProxyListenerService : IHostedLifecycleService, IAsyncDisposable
{
    private readonly BootstrapConfig _config;
    private readonly ServiceTable _services;
    private readonly MeshTls _mesh;
    private readonly ConnectionPipeline _pipeline;
    private readonly ProxyPorts _ownPorts;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ProxyListenerService> _logger;
    private readonly ConcurrentDictionary<int, Listener> _servicePortListeners = new();
    private readonly ConnectionDrain _drain = new();
    private readonly SemaphoreSlim _reconcileGate = new(1, 1);
    private Listener? _inbound;
    private Listener? _outbound;
    private int _disposed;

    /// <summary>Creates the listeners' owner; each accepted connection runs through <paramref name="pipeline"/>.</summary>
    public ProxyListenerService(
        BootstrapConfig config,
        ServiceTable services,
        MeshTls mesh,
        ConnectionPipeline pipeline,
        ProxyMetrics metrics,
        TimeProvider time,
        ILogger<ProxyListenerService> logger,
        ProxyPorts ownPorts)
    {
        _config = config;
        _services = services;
        _mesh = mesh;
        _pipeline = pipeline;
        _ownPorts = ownPorts;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>Where the inbound listener is bound (resolves port 0).</summary>
    public IPEndPoint InboundEndPoint => (IPEndPoint)(_inbound ?? throw new InvalidOperationException("not started")).Socket.LocalEndPoint!;

    /// <summary>Where the outbound listener is bound (resolves port 0).</summary>
    public IPEndPoint OutboundEndPoint => (IPEndPoint)(_outbound ?? throw new InvalidOperationException("not started")).Socket.LocalEndPoint!;

    /// <summary>True once every listener is bound.</summary>
    public bool IsListening { get; private set; }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _inbound = await BindAsync(_config.InboundListen, ListenerRole.Inbound, null, cancellationToken);
        _outbound = await BindAsync(_config.OutboundListen, ListenerRole.Outbound, null, cancellationToken);

        // Subscribe before the first reconcile: config from the control plane's stream may arrive at any moment.
        _services.Changed += OnServicesChanged;
        await ReconcileServicePortsAsync(cancellationToken);
        IsListening = true;
    }

    /// <inheritdoc />
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The first step of shutdown, before any hosted service stops (Kestrel, which drains in-flight
    /// HTTP, stops before this service does): stop accepting, so that new connections are refused at once.</summary>
    public Task StoppingAsync(CancellationToken cancellationToken) => StopAcceptingAsync(cancellationToken);

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var listeners = await StopAcceptingAsync(cancellationToken);
        foreach (var listener in listeners)
        {
            await listener.AcceptLoop;
        }

        // Opaque connections have no request boundary to drain at: let them run out the drain timeout.
        var drain = _drain.WhenAllEnded();
        using var timeout = new CancellationTokenSource(_config.DrainTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await drain.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            Log.DrainTimedOut(_logger, _drain.OpaqueCount);
            await _drain.CancelAsync();
            await drain.ContinueWith(static _ => { }, TaskScheduler.Default);
        }

    }

    private Task<List<Listener>> StopAcceptingAsync(CancellationToken cancellationToken)
    {
        _drain.Stop();
        _services.Changed -= OnServicesChanged;
        var listeners = _servicePortListeners.Values.Append(_inbound).Append(_outbound).OfType<Listener>().ToList();
        foreach (var listener in listeners)
        {
            // Idempotent: StopAsync repeats it for hosts that do not call StoppingAsync. Closing the
            // listening socket refuses new connections and ends the accept loop.
            listener.Socket.Close();
        }

        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(listeners);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Registered both as itself and as a hosted service, so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _drain.CancelAsync();
            _drain.Dispose();
        }
    }

    private void OnServicesChanged() => _ = ReconcileServicePortsAsync(CancellationToken.None);

    // Config changes can arrive in quick succession (the control plane's stream): one reconcile at a time,
    // each against the newest service table.
    private async Task ReconcileServicePortsAsync(CancellationToken cancellationToken)
    {
        await _reconcileGate.WaitAsync(cancellationToken);
        try
        {
            await ReconcileCoreAsync(cancellationToken);
        }
        finally
        {
            _reconcileGate.Release();
        }
    }

    private async Task ReconcileCoreAsync(CancellationToken cancellationToken)
    {
        var wanted = _services.Services.Where(s => s.Config.LocalPort is not null).Select(s => s.Config.LocalPort!.Value).ToHashSet();
        foreach (var (port, listener) in _servicePortListeners)
        {
            if (!wanted.Contains(port) && _servicePortListeners.TryRemove(port, out _))
            {
                _ownPorts.Remove(port);
                listener.Socket.Close();
                await listener.AcceptLoop;
            }
        }

        // Each instance serves its service ports on its own outbound address (in universal mode every
        // instance has a loopback address of its own, such as 127.1.0.5), so that instances on one host
        // can all use the same local ports.
        var address = _config.OutboundListen.Address;
        foreach (var port in wanted)
        {
            if (!_servicePortListeners.ContainsKey(port) && !_drain.Stopping)
            {
                try
                {
                    _servicePortListeners[port] = await BindAsync(new IPEndPoint(address, port), ListenerRole.ServicePort, port, cancellationToken);
                }
                catch (Exception ex) when (ex is IOException or SocketException or AddressInUseException)
                {
                    // One port taken must not keep the others from being served.
                    Log.BindFailed(_logger, ex.Message);
                }
            }
        }
    }

    private async Task<Listener> BindAsync(IPEndPoint endPoint, ListenerRole role, int? servicePort, CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        cancellationToken.ThrowIfCancellationRequested();
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endPoint);
            socket.Listen(512);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new AddressInUseException($"{role} listener: {endPoint} is already in use", ex);
        }

        _ownPorts.Add(((IPEndPoint)socket.LocalEndPoint!).Port);
        Log.Listening(_logger, role, socket.LocalEndPoint!);
        var listener = new Listener(socket, role, servicePort);
        listener.AcceptLoop = AcceptLoopAsync(listener);
        return listener;
    }

    private async Task AcceptLoopAsync(Listener listener)
    {
        await Task.Yield();
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.Socket.AcceptAsync();
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
            {
                return;
            }

            socket.NoDelay = true;
            _ = HandleConnectionAsync(socket, listener);
        }
    }

    private async Task HandleConnectionAsync(Socket socket, Listener listener)
    {
        var meshCandidate = listener.Role == ListenerRole.Inbound && _mesh.Enabled;
        var connection = new AcceptedConnection(socket, listener.Role, ((IPEndPoint)listener.Socket.LocalEndPoint!).Port, listener.ServicePort, meshCandidate, _metrics, _time, _drain);
        try
        {
            await _pipeline.RunAsync(connection);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Log.ConnectionFailed(_logger, ex.Message);
        }
        finally
        {
            if (!connection.HandedOff)
            {
                connection.CloseSeries();
                socket.Dispose();
            }
        }
    }

    private sealed class Listener(Socket socket, ListenerRole role, int? servicePort)
    {
        public Socket Socket { get; } = socket;

        public ListenerRole Role { get; } = role;

        public int? ServicePort { get; } = servicePort;

        public Task AcceptLoop { get; set; } = Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Role} listener on {EndPoint}")]
        public static partial void Listening(ILogger logger, ListenerRole role, EndPoint endPoint);

        [LoggerMessage(2, LogLevel.Debug, "Connection ended: {Reason}")]
        public static partial void ConnectionFailed(ILogger logger, string reason);

        [LoggerMessage(4, LogLevel.Warning, "Drain timeout elapsed with {Count} opaque connections open; closing them")]
        public static partial void DrainTimedOut(ILogger logger, int count);

        [LoggerMessage(5, LogLevel.Error, "Cannot bind a service port listener: {Reason}")]
        public static partial void BindFailed(ILogger logger, string reason);
    }
}
