using Linnet.Proxy.Authorization;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Http.Stages;
using Linnet.Proxy.Mirroring;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Tap;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Upstream;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Linnet.Proxy.Http;

/// <summary>Runs each request through the request stages (<see cref="RequestPipeline"/>), with the config in
/// effect read once, and owns what they share: the pooled clients (to the app, to endpoints, the mesh's), the
/// fast HTTP/1.1 forwarders, and the mirror.</summary>
internal sealed class HttpProxyHandler : IDisposable
{
    private readonly ServiceTable _services;
    private readonly TimeProvider _time;
    private readonly HttpMessageInvoker _inboundClient;
    private readonly HttpMessageInvoker _outboundClient;
    private readonly Http1Forwarder? _fastInbound;
    private readonly Http1Forwarder? _fastOutbound;
    private readonly RequestMirror _mirror;
    private readonly TapHub _tap;
    private readonly RequestPipeline _pipeline;

    /// <summary>Creates the handler with its two pooled clients and the mesh's. <paramref name="random"/> (thread-safe) draws
    /// the routes' fault and mirror percentages.</summary>
    public HttpProxyHandler(IHttpForwarder forwarder, ServiceTable services, HttpRouter router, BootstrapConfig config, ProxyMetrics metrics, TimeProvider time, ILoggerFactory loggers, InboundAuthorizer authorizer, MeshClients meshClients, TapHub tap, ProxyResponses responses, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        _tap = tap;
        _services = services;
        _time = time;
        random ??= Random.Shared;
        _inboundClient = UpstreamClientFactory.Create(Direction.Inbound, config, metrics, time);
        _outboundClient = UpstreamClientFactory.Create(Direction.Outbound, config, metrics, time);
        if (config.FastHttp1Forwarder)
        {
            _fastInbound = new Http1Forwarder(Direction.Inbound, config, metrics, time);
            _fastOutbound = new Http1Forwarder(Direction.Outbound, config, metrics, time);
        }

        var clients = new OutboundClientSelector(_outboundClient, meshClients);
        var logger = loggers.CreateLogger<HttpProxyHandler>();
        _mirror = new RequestMirror(clients, time, logger);
        _pipeline = new RequestPipeline(
            new HeadChecksStage(responses),
            new InboundAuthorizationStage(authorizer, responses),
            new DestinationStage(responses),
            new RouteStage(router, responses),
            new FiltersStage(responses, clients, time, random, loggers.CreateLogger<FiltersStage>()),
            new MirrorStage(_mirror, random),
            new RetryStage(time, loggers.CreateLogger<RetryStage>()),
            new BalanceStage(responses),
            new ForwardStage(forwarder, _inboundClient, clients, config, responses, time, logger, _fastInbound, _fastOutbound));
    }

    /// <summary>Mirrored copies in flight now.</summary>
    internal int MirrorsInFlight => _mirror.InFlight;

    /// <summary>The request stages, in order.</summary>
    internal RequestPipeline Pipeline => _pipeline;

    /// <summary>Proxies one request: through the request stages, with the config in effect read once.</summary>
    public Task InvokeAsync(HttpContext context, ProxyConnectionFeature connection)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(connection);
        var start = _time.GetTimestamp();

        // Tap: nothing but this length check while nobody taps.
        if (_tap.IsActive)
        {
            _tap.Begin(context, connection, start);
        }

        return _pipeline.RunAsync(new RequestState(context, connection, start, _services.Current));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _inboundClient.Dispose();
        _outboundClient.Dispose();
        _fastInbound?.Dispose();
        _fastOutbound?.Dispose();
    }
}
