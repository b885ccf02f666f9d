using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Linnet.Proxy.Authorization;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Detection;
using Linnet.Proxy.Http;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Tcp;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tls;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Linnet.Proxy.Listening;

/// <summary>Owns the proxy's inbound, outbound and per-service sockets: accepts, detects the protocol,
/// then hands HTTP to Kestrel and everything else to the <see cref="OpaqueForwarder"/>.</summary>
internal sealed partial class ProxyListenerService : IHostedLifecycleService, IAsyncDisposable
{
    private readonly BootstrapConfig _config;
    private readonly DispatchTransportFactory _dispatch;
    private readonly ServiceTable _services;
    private readonly OpaqueForwarder _opaque;
    private readonly InboundAuthorizer _authorizer;
    private readonly MeshTls _mesh;
    private readonly MeshInbound _meshInbound;
    private readonly ProxyPorts _ownPorts;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ProxyListenerService> _logger;
    private readonly SocketConnectionContextFactory _connections;
    private readonly ConcurrentDictionary<int, Listener> _servicePortListeners = new();
    private readonly ConcurrentDictionary<Task, byte> _opaqueConnections = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly SemaphoreSlim _reconcileGate = new(1, 1);
    private Listener? _inbound;
    private Listener? _outbound;
    private volatile bool _stopping;
    private int _disposed;

    public ProxyListenerService(
        BootstrapConfig config,
        DispatchTransportFactory dispatch,
        ServiceTable services,
        OpaqueForwarder opaque,
        MeshTls mesh,
        MeshInbound meshInbound,
        ProxyMetrics metrics,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        InboundAuthorizer authorizer,
        ProxyPorts ownPorts)
    {
        _ownPorts = ownPorts;
        _authorizer = authorizer;
        _config = config;
        _dispatch = dispatch;
        _services = services;
        _opaque = opaque;
        _mesh = mesh;
        _meshInbound = meshInbound;
        _metrics = metrics;
        _time = time;
        _logger = loggerFactory.CreateLogger<ProxyListenerService>();
        _connections = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions(), loggerFactory.CreateLogger<SocketConnectionContextFactory>());
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
        var drain = Task.WhenAll(_opaqueConnections.Keys);
        using var timeout = new CancellationTokenSource(_config.DrainTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await drain.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            Log.DrainTimedOut(_logger, _opaqueConnections.Count);
            await _abort.CancelAsync();
            await drain.ContinueWith(static _ => { }, TaskScheduler.Default);
        }

    }

    private Task<List<Listener>> StopAcceptingAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
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
            await _abort.CancelAsync();
            _abort.Dispose();
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
            if (!_servicePortListeners.ContainsKey(port) && !_stopping)
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
        var direction = listener.Role == ListenerRole.Inbound ? Direction.Inbound : Direction.Outbound;

        // With mTLS on, an inbound connection's series is known only once it is classified (a client proxy's
        // connection is counted under its identity, by MeshInbound); otherwise it is counted from the accept.
        var meshInbound = listener.Role == ListenerRole.Inbound && _mesh.Enabled;
        TcpSeries? series = null;
        var opened = 0L;
        var closed = 0;
        TcpSeries OpenSeries()
        {
            series = _metrics.Tcp(direction, "src", TlsLabel.Plaintext(direction));
            series.OnOpen();
            opened = _time.GetTimestamp();
            return series;
        }

        void OnClosed()
        {
            if (series is not null && Interlocked.Exchange(ref closed, 1) == 0)
            {
                series.OnClose(_time.GetElapsedTime(opened).TotalMilliseconds);
            }
        }

        if (!meshInbound)
        {
            OpenSeries();
        }

        var dispatched = false;
        try
        {
            var feature = Describe(socket, listener);
            var opaquePort = IsOpaque(feature);
            var protocol = opaquePort && !meshInbound ? DetectedProtocol.Opaque : await DetectAsync(socket, meshInbound, opaquePort);
            if (_stopping)
            {
                return;
            }

            if (protocol == DetectedProtocol.MeshTls)
            {
                dispatched = await _meshInbound.HandleAsync(socket, feature, _abort.Token);
                return;
            }

            if (meshInbound && _config.InboundTls == InboundTlsMode.Strict)
            {
                // Strict: a meshed port takes nothing but mTLS from a client proxy. Closing (rather than a
                // 403) treats HTTP and opaque alike and tells a plaintext client nothing about the app.
                _metrics.ProxyError(Direction.Inbound, "plaintext_refused");
                Log.PlaintextRefused(_logger, socket.RemoteEndPoint);
                return;
            }

            series ??= OpenSeries();
            if (protocol is DetectedProtocol.Http1 or DetectedProtocol.Http2)
            {
                // Detection only peeked: every byte is still in the socket, so Kestrel's own transport
                // takes the socket over and reads the request from its first byte.
                var connection = _connections.Create(socket);
                var transport = new CountingDuplexPipe(connection.Transport, series);
                connection.Transport = transport;
                connection.Features.Set(feature);
                if (protocol == DetectedProtocol.Http1)
                {
                    var capture = new Http1HeadCapture();
                    transport.HeadCapture = capture;
                    connection.Features.Set(capture);
                }

                connection.ConnectionClosed.Register(static state => ((Action)state!)(), (Action)OnClosed);
                dispatched = _dispatch.Get(protocol).TryDispatch(connection);
                if (!dispatched)
                {
                    await connection.DisposeAsync();
                }

                return;
            }

            var forward = ForwardOpaqueAsync(socket, series, feature);
            _opaqueConnections.TryAdd(forward, 0);
            try
            {
                await forward;
            }
            finally
            {
                _opaqueConnections.TryRemove(forward, out _);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Log.ConnectionFailed(_logger, ex.Message);
        }
        finally
        {
            if (!dispatched)
            {
                OnClosed();
                socket.Dispose();
            }
        }
    }

    private ProxyConnectionFeature Describe(Socket socket, Listener listener)
    {
        if (listener.Role == ListenerRole.ServicePort)
        {
            var localPort = listener.ServicePort!.Value;
            return new ProxyConnectionFeature(ListenerRole.ServicePort, null, _services.FindByLocalPort(localPort), localPort);
        }

        var original = _config.TransparentMode ? OriginalDestination.Get(socket) : null;
        // Redirected to inbound: the port the client dialled. Addressed to the inbound port itself (a client proxy
        // reaching a pod's proxy directly, or no redirection): the app's default port, never the proxy itself.
        var inboundPort = ((IPEndPoint)listener.Socket.LocalEndPoint!).Port;
        var targetPort = listener.Role == ListenerRole.Inbound ? original is { } od && od.Port != inboundPort ? od.Port : _config.AppPort : 0;
        return new ProxyConnectionFeature(listener.Role, original, null, targetPort);
    }

    private bool IsOpaque(ProxyConnectionFeature feature) => feature.Role switch
    {
        ListenerRole.Inbound => _config.InboundOpaquePorts.Contains(feature.TargetPort),
        ListenerRole.ServicePort => feature.Service?.Config.Protocol == ServiceProtocol.Opaque,
        _ => feature.OriginalDestination is { } od && _config.OutboundOpaquePorts.Contains(od.Port),
    };

    /// <summary>Classifies the connection from its first bytes with <c>MSG_PEEK</c>, consuming nothing.
    /// Almost always the first segment decides; when it does not (a request line or a ClientHello split
    /// across segments), the peek is repeated with a short backoff until more bytes arrive or the detect
    /// timeout passes. Silence until the timeout means opaque (server-speaks-first protocols). With
    /// <paramref name="mesh"/>, a ClientHello offering a mesh ALPN is recognised first; on an opaque port
    /// that is all that is looked for.</summary>
    private async Task<DetectedProtocol> DetectAsync(Socket socket, bool mesh, bool opaquePort)
    {
        using var timeout = new CancellationTokenSource(_config.DetectTimeout, _time);
        var limit = mesh ? Math.Max(ProtocolDetector.MaxRequestLine, ClientHello.MaxRecord) : ProtocolDetector.MaxRequestLine;
        var buffer = ArrayPool<byte>.Shared.Rent(limit);
        try
        {
            var seen = 0;
            var backoff = TimeSpan.FromMilliseconds(1);
            while (true)
            {
                try
                {
                    if (seen == 0)
                    {
                        // A zero-byte receive completes when data arrives (or the peer closes) and consumes nothing.
                        await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, timeout.Token);
                    }
                    else
                    {
                        await Task.Delay(backoff, _time, timeout.Token);
                        backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromMilliseconds(50).Ticks));
                    }
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    return DetectedProtocol.Opaque;
                }

                var peeked = socket.Receive(buffer, 0, limit, SocketFlags.Peek);
                if (peeked == 0)
                {
                    throw new IOException("closed before sending anything");
                }

                if (peeked == seen)
                {
                    continue;
                }

                seen = peeked;
                if (mesh)
                {
                    switch (ClientHello.Classify(buffer.AsSpan(0, peeked)))
                    {
                        case ClientHelloKind.Mesh:
                            return DetectedProtocol.MeshTls;
                        case ClientHelloKind.NeedMore when peeked < limit:
                            continue;
                    }

                    if (opaquePort)
                    {
                        return DetectedProtocol.Opaque;
                    }
                }

                var protocol = ProtocolDetector.Detect(new ReadOnlySequence<byte>(buffer, 0, peeked), isCompleted: false);
                if (protocol != DetectedProtocol.NeedMore)
                {
                    return protocol;
                }

                if (peeked >= ProtocolDetector.MaxRequestLine)
                {
                    return DetectedProtocol.Opaque;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Task ForwardOpaqueAsync(Socket socket, TcpSeries series, ProxyConnectionFeature feature)
    {
        switch (feature.Role)
        {
            case ListenerRole.Inbound when !_authorizer.AuthorizeTcp(feature, socket.RemoteEndPoint):
                // Refused by the inbound policy: closed here, the app never sees the connection.
                return Task.CompletedTask;
            case ListenerRole.Inbound:
                return _opaque.ForwardAsync(socket, series, Direction.Inbound, _config.AppHost, feature.TargetPort, _abort.Token);
            case ListenerRole.ServicePort when feature.Service?.Balancer.Pick() is { } endpoint:
                return ForwardToEndpointAsync(socket, series, endpoint);
            case ListenerRole.Outbound when feature.OriginalDestination is { } od:
                return _opaque.ForwardAsync(socket, series, Direction.Outbound, od.Address.ToString(), od.Port, _abort.Token);
            default:
                // Opaque bytes with no destination: nothing names where they should go.
                _metrics.ProxyError(Direction.Outbound, "no_destination");
                Log.NoDestination(_logger, socket.RemoteEndPoint);
                return Task.CompletedTask;
        }
    }

    private async Task ForwardToEndpointAsync(Socket socket, TcpSeries series, Balancing.EndpointState endpoint)
    {
        endpoint.Begin();
        try
        {
            if (_mesh.Enabled && endpoint.Config.Identity is { } identity)
            {
                await _opaque.ForwardMeshAsync(socket, series, endpoint, identity, _abort.Token);
                return;
            }

            await _opaque.ForwardAsync(socket, series, Direction.Outbound, endpoint.Config.Host, endpoint.Config.Port, endpoint, _abort.Token);
        }
        finally
        {
            endpoint.End();
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

        [LoggerMessage(3, LogLevel.Warning, "Opaque connection from {Remote} has no destination (no service port, no original destination); closed")]
        public static partial void NoDestination(ILogger logger, EndPoint? remote);

        [LoggerMessage(4, LogLevel.Warning, "Drain timeout elapsed with {Count} opaque connections open; closing them")]
        public static partial void DrainTimedOut(ILogger logger, int count);

        [LoggerMessage(5, LogLevel.Error, "Cannot bind a service port listener: {Reason}")]
        public static partial void BindFailed(ILogger logger, string reason);

        [LoggerMessage(6, LogLevel.Information, "Plaintext connection from {Remote} refused: inbound TLS is strict")]
        public static partial void PlaintextRefused(ILogger logger, EndPoint? remote);
    }
}
