using Linnet.Proxy.Balancing;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Resilience;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Http.Stages;

/// <summary>One request as it passes the HTTP request stages (<see cref="RequestPipeline"/>): what each stage
/// decided, for the stages after it. <see cref="Model"/> is read once, so every stage sees one config version.</summary>
internal sealed class RequestState(HttpContext context, ProxyConnectionFeature connection, long start, ProxyModel model)
{
    /// <summary>The request.</summary>
    public HttpContext Context { get; } = context;

    /// <summary>The connection it arrived on.</summary>
    public ProxyConnectionFeature Connection { get; } = connection;

    /// <summary>When the request started (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long Start { get; } = start;

    /// <summary>The config in effect for the whole request: inbound policy, services, routes, endpoints.</summary>
    public ProxyModel Model { get; } = model;

    /// <summary>Inbound or outbound.</summary>
    public Direction Direction => Connection.Direction;

    /// <summary>The connection's <c>tls</c> label.</summary>
    public string Tls { get; } = TlsLabel.ForConnection(connection.Direction, connection.ClientIdentity);

    /// <summary>Inbound: the request's authority label (<see cref="DstCanonical.InboundAuthority"/>), read once:
    /// reading it removes <c>l5d-dst-canonical</c>, so every stage asks here.</summary>
    public string InboundAuthority => _inboundAuthority ??= DstCanonical.InboundAuthority(Context.Request, Connection.ClientIdentity is not null);

    private string? _inboundAuthority;

    /// <summary>Headers the client's <c>Connection</c> header nominated as hop-by-hop (HTTP/1).</summary>
    public IReadOnlyList<string> HopByHop { get; set; } = [];

    /// <summary>Outbound: the service the request is for (null: none claims it).</summary>
    public ServiceState? Service { get; set; }

    /// <summary>Outbound: the service whose endpoints serve it (a route's backend, or <see cref="Service"/>).</summary>
    public ServiceState? Target { get; set; }

    /// <summary>Outbound: the route rule that applied, if any.</summary>
    public CompiledRouteRule? Rule { get; set; }

    /// <summary>The index of the rule's backend that was picked; -1 without a rule.</summary>
    public int BackendIndex { get; set; } = -1;

    /// <summary>Outbound: the filters of <see cref="Rule"/> with those of the backend it picked (null: a rule without
    /// filters, or no rule).</summary>
    public RulePolicy? Policy => Rule?.PolicyFor(BackendIndex);

    /// <summary>With a policy: the route's series (set by the filters stage).</summary>
    public RouteSeries? Series { get; set; }

    /// <summary>With a policy: the series of the backend the rule picked.</summary>
    public RouteBackendSeries? BackendSeries { get; set; }

    /// <summary>Whether the request is a gRPC call.</summary>
    public bool Grpc { get; set; }

    /// <summary>With a policy: the request's deadline (the route's request timeout or <c>grpc-timeout</c>).</summary>
    public CancellationTokenSource? Deadline { get; set; }

    /// <summary>With a policy: the body kept whole (for retries and the mirror), else null.</summary>
    public byte[]? KeptBody { get; set; }

    /// <summary>With a policy that retries this request: its retry state.</summary>
    public RetryState? Retries { get; set; }

    /// <summary>The attempt's cancellation (deadline and per-try timeout), set by the retry stage.</summary>
    public CancellationToken AttemptToken { get; set; }

    /// <summary>The attempt's per-try timeout, when the route has one.</summary>
    public CancellationTokenSource? PerTry { get; set; }

    /// <summary>The endpoint the balancer picked for the attempt (null: the app, or the original destination).</summary>
    public EndpointState? Endpoint { get; set; }

    /// <summary>The series labels (tls, dst_*) of the endpoint that answered the last attempt.</summary>
    public string? AttemptLabels { get; set; }

    /// <summary>How the last attempt ended (the forward stage's report to the retry stage).</summary>
    public AttemptResult Attempt { get; set; } = AttemptResult.Done(RouteMetrics.Errors.None, 0);
}
