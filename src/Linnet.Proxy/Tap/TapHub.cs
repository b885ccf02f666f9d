using System.Globalization;
using System.Net;
using System.Text;
using System.Threading.Channels;
using Linnet.Api.Tap;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;
using Proto = Linnet.Api.Tap.V1;

namespace Linnet.Proxy.Tap;

/// <summary>The taps in effect on this proxy and the events they produce. With no tap in effect the request
/// path reads one array length and does nothing else (<see cref="Inspected"/> stays 0); with taps, a request
/// whose method, authority and path match one is captured when it arrives and reported when its response
/// ends, within each tap's rate limit, secret headers redacted unless the tap asked for them.</summary>
internal sealed class TapHub
{
    /// <summary>Events waiting for the stream to the control plane; beyond this, new ones are dropped (and counted).</summary>
    public const int QueueLength = 1024;

    private readonly TimeProvider _time;
    private readonly WorkloadInfo _workload;
    private readonly Channel<Proto.ProxyTapMessage> _outgoing = Channel.CreateBounded<Proto.ProxyTapMessage>(
        new BoundedChannelOptions(QueueLength) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private volatile ActiveTap[] _taps = [];
    private long _inspected;
    private long _captured;
    private long _emitted;
    private long _dropped;
    private long _rateLimited;
    private long _nextRequestId;

    public TapHub(BootstrapConfig bootstrap, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        _workload = bootstrap.Workload;
        _time = time;
    }

    /// <summary>True while at least one tap is in effect.</summary>
    public bool IsActive => _taps.Length != 0;

    /// <summary>How many taps are in effect.</summary>
    public int Count => _taps.Length;

    /// <summary>Requests the tap code looked at (0 for as long as nobody taps).</summary>
    public long Inspected => Interlocked.Read(ref _inspected);

    /// <summary>Events queued for the control plane.</summary>
    public long Emitted => Interlocked.Read(ref _emitted);

    /// <summary>The queue towards the control plane (events and acknowledgements).</summary>
    public ChannelReader<Proto.ProxyTapMessage> Outgoing => _outgoing.Reader;

    /// <summary>Puts a tap in effect (replacing one with the same id) and acknowledges it.</summary>
    public void Start(Proto.TapStart start)
    {
        var tap = new ActiveTap(start, _time);
        lock (_outgoing)
        {
            _taps = [.. _taps.Where(t => t.Id != tap.Id), tap];
        }

        _outgoing.Writer.TryWrite(new Proto.ProxyTapMessage { Started = tap.Id });
    }

    /// <summary>Ends a tap.</summary>
    public void Stop(string id)
    {
        lock (_outgoing)
        {
            _taps = [.. _taps.Where(t => t.Id != id)];
        }
    }

    /// <summary>Ends every tap (the stream to the control plane ended).</summary>
    public void StopAll()
    {
        lock (_outgoing)
        {
            _taps = [];
        }
    }

    /// <summary>Looks at an arriving request; returns its capture when some tap may want it. Call only when
    /// <see cref="IsActive"/>.</summary>
    public TapCapture? Begin(HttpContext context, ProxyConnectionFeature connection, long start)
    {
        var taps = _taps;
        if (taps.Length == 0)
        {
            return null;
        }

        Interlocked.Increment(ref _inspected);
        var request = context.Request;
        var authority = request.Host.Value ?? "";
        var path = request.Path.Value + request.QueryString.Value;
        List<ActiveTap>? wanted = null;
        foreach (var tap in taps)
        {
            if (tap.MatchesRequest(request.Method, authority, path) && (!tap.HasDestinationFilter || connection.Direction == Direction.Outbound))
            {
                (wanted ??= []).Add(tap);
            }
        }

        if (wanted is null)
        {
            return null;
        }

        var headers = new KeyValuePair<string, string>[request.Headers.Count];
        var i = 0;
        foreach (var (name, values) in request.Headers)
        {
            headers[i++] = new(name.ToLowerInvariant(), values.ToString());
        }

        ByteCountingStream? body = null;
        if (context.Features.Get<IHttpResponseBodyFeature>() is { } original)
        {
            body = new ByteCountingStream(original.Stream);
            context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(body, original));
        }

        Interlocked.Increment(ref _captured);
        var capture = new TapCapture
        {
            RequestId = (ulong)Interlocked.Increment(ref _nextRequestId),
            Taps = [.. wanted],
            Start = start,
            UnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
            Method = request.Method,
            Scheme = string.IsNullOrEmpty(request.Scheme) ? "http" : request.Scheme,
            Authority = authority,
            Path = path,
            RequestHeaders = headers,
            Source = Address(context.Connection.RemoteIpAddress, context.Connection.RemotePort),
            Local = Address(context.Connection.LocalIpAddress, context.Connection.LocalPort),
            Body = body,
        };
        context.Features.Set(capture);
        return capture;
    }

    /// <summary>Reports a captured request whose response has ended to every tap that wants it. <paramref name="labels"/>
    /// is the request's series label string (tls, client_id/server_id, dst_*).</summary>
    public void Complete(TapCapture capture, HttpContext context, Direction direction, string labels, double responseInitMs)
    {
        var outbound = direction == Direction.Outbound;
        var rendered = TapLabels.Parse(labels);
        var own = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["namespace"] = _workload.Namespace,
            ["deployment"] = _workload.Name,
            ["pod"] = _workload.Pod,
        };
        var clientId = rendered.GetValueOrDefault("client_id", "");
        var serverId = rendered.GetValueOrDefault("server_id", "");
        var destinationMeta = outbound ? TapLabels.Parse(labels, "dst_") : own;
        var sourceMeta = outbound ? own : TapLabels.FromIdentity(clientId);

        // Linkerd's place for the TLS status: the peer's meta (the server's outbound, the client's inbound).
        (outbound ? destinationMeta : sourceMeta)["tls"] = rendered.GetValueOrDefault("tls", "");
        foreach (var tap in capture.Taps)
        {
            if (!tap.MatchesDestination(outbound, destinationMeta))
            {
                continue;
            }

            if (!tap.Limiter.TryAcquire())
            {
                Interlocked.Increment(ref _rateLimited);
                continue;
            }

            var e = Build(tap, capture, context, outbound, rendered, clientId, serverId, sourceMeta, destinationMeta, responseInitMs);
            if (_outgoing.Writer.TryWrite(new Proto.ProxyTapMessage { Event = e }))
            {
                Interlocked.Increment(ref _emitted);
            }
            else
            {
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    private Proto.TapEvent Build(ActiveTap tap, TapCapture capture, HttpContext context, bool outbound, Dictionary<string, string> rendered, string clientId, string serverId,
        Dictionary<string, string> sourceMeta, Dictionary<string, string> destinationMeta, double responseInitMs)
    {
        var response = context.Response;
        var trailers = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        var e = new Proto.TapEvent
        {
            TapId = tap.Id,
            RequestId = capture.RequestId,
            Direction = outbound ? "outbound" : "inbound",
            Source = capture.Source,
            Destination = outbound ? capture.Endpoint?.Config.Address ?? capture.Authority : capture.Local,
            Tls = rendered.GetValueOrDefault("tls") == "true",
            ClientId = clientId,
            ServerId = serverId,
            Method = capture.Method,
            Scheme = capture.Scheme,
            Authority = capture.Authority,
            Path = capture.Path,
            ResponseInitMicros = (ulong)Math.Max(0, responseInitMs * 1000),
            Status = (uint)response.StatusCode,
            ResponseEndMicros = (ulong)Math.Max(0, _time.GetElapsedTime(capture.Start).TotalMicroseconds),
            ResponseBytes = (ulong)(capture.Body?.Written ?? 0),
            EndOfStream = !context.RequestAborted.IsCancellationRequested
                && context.Features.Get<IForwarderErrorFeature>() is not { Error: not ForwarderError.None },
            TimestampMs = capture.UnixMs,
        };
        e.SourceMeta.Add(sourceMeta);
        e.DestinationMeta.Add(destinationMeta);
        if (capture.Route is { Length: > 0 } route)
        {
            // Route names travel as "namespace/name" (a static config's are bare), as in the route metrics' labels.
            var slash = route.IndexOf('/', StringComparison.Ordinal);
            e.RouteMeta["route"] = slash > 0 ? route[(slash + 1)..] : route;
            e.RouteMeta["kind"] = capture.RouteKind ?? "";
            e.RouteMeta["namespace"] = slash > 0 ? route[..slash] : "";
        }

        foreach (var (name, value) in capture.RequestHeaders)
        {
            e.RequestHeaders.Add(Header(tap, name, value));
        }

        foreach (var (name, values) in response.Headers)
        {
            e.ResponseHeaders.Add(Header(tap, name.ToLowerInvariant(), values.ToString()));
        }

        if (trailers is not null)
        {
            foreach (var (name, values) in trailers)
            {
                e.Trailers.Add(Header(tap, name.ToLowerInvariant(), values.ToString()));
            }
        }

        var grpc = trailers is not null && trailers.TryGetValue("grpc-status", out var t) ? t.ToString()
            : response.Headers.TryGetValue("grpc-status", out var h) ? h.ToString() : "";
        if (uint.TryParse(grpc, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            e.GrpcStatus = code;
        }

        return e;
    }

    private static Proto.Header Header(ActiveTap tap, string name, string value) =>
        !tap.RevealSecrets && tap.SecretHeaders.Contains(name)
            ? new Proto.Header { Name = name, Value = TapDefaults.Redacted, Redacted = true }
            : new Proto.Header { Name = name, Value = value };

    private static string Address(IPAddress? ip, int port) => ip is null ? "" : new IPEndPoint(ip, port).ToString();

    /// <summary>Appends the tap series in Prometheus text format.</summary>
    public void WriteTo(StringBuilder sb)
    {
        ArgumentNullException.ThrowIfNull(sb);
        sb.Append("# HELP tap_active Taps in effect on this proxy.\n# TYPE tap_active gauge\n");
        sb.Append(CultureInfo.InvariantCulture, $"tap_active {Count}\n");
        sb.Append("# HELP tap_inspected_requests_total Requests the tap code looked at (stays 0 while nobody taps).\n# TYPE tap_inspected_requests_total counter\n");
        sb.Append(CultureInfo.InvariantCulture, $"tap_inspected_requests_total {Inspected}\n");
        sb.Append("# HELP tap_captured_requests_total Requests some tap's method/authority/path filter matched.\n# TYPE tap_captured_requests_total counter\n");
        sb.Append(CultureInfo.InvariantCulture, $"tap_captured_requests_total {Interlocked.Read(ref _captured)}\n");
        sb.Append("# HELP tap_events_total Tap events queued for the control plane.\n# TYPE tap_events_total counter\n");
        sb.Append(CultureInfo.InvariantCulture, $"tap_events_total {Emitted}\n");
        sb.Append("# HELP tap_events_rate_limited_total Matching requests not reported because the tap's max rps was reached.\n# TYPE tap_events_rate_limited_total counter\n");
        sb.Append(CultureInfo.InvariantCulture, $"tap_events_rate_limited_total {Interlocked.Read(ref _rateLimited)}\n");
        sb.Append("# HELP tap_events_dropped_total Tap events dropped because the stream to the control plane fell behind.\n# TYPE tap_events_dropped_total counter\n");
        sb.Append(CultureInfo.InvariantCulture, $"tap_events_dropped_total {Interlocked.Read(ref _dropped)}\n");
    }
}
