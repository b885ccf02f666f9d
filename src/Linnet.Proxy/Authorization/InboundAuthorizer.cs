using System.Net;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Listening;
using Linnet.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Linnet.Proxy.Authorization;

/// <summary>Enforces the inbound policy of the config snapshot in effect: compiled once per snapshot, then
/// consulted for every inbound HTTP request and every inbound opaque connection. Counts each decision with
/// Linkerd's metric names and logs refusals and audits.</summary>
public sealed partial class InboundAuthorizer : IDisposable
{
    private readonly IProxyConfigProvider _provider;
    private readonly AuthorizationMetrics _metrics;
    private readonly ILogger<InboundAuthorizer> _logger;
    private readonly IDisposable _subscription;
    private volatile CompiledInboundPolicy _current;
    private InboundPolicyConfig _compiledFrom;

    /// <summary>Compiles the provider's policy and follows its changes.</summary>
    public InboundAuthorizer(IProxyConfigProvider provider, AuthorizationMetrics metrics, ILogger<InboundAuthorizer> logger)
    {
        ArgumentNullException.ThrowIfNull(provider);
        _provider = provider;
        _metrics = metrics;
        _logger = logger;
        _compiledFrom = provider.GetConfig().InboundPolicy;
        _current = CompiledInboundPolicy.Compile(_compiledFrom);
        _subscription = ChangeToken.OnChange(() => _provider.GetConfig().ChangeToken, Reload);
    }

    /// <summary>The policy in effect.</summary>
    public CompiledInboundPolicy Current => _current;

    /// <summary>Decides an inbound HTTP request: null when allowed, else the reason (the caller answers 403,
    /// or PERMISSION_DENIED for gRPC).</summary>
    public string? AuthorizeHttp(HttpContext context, ProxyConnectionFeature connection)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(connection);
        return Decide(true, connection.TargetPort, connection.ClientIdentity, context.Connection.RemoteIpAddress);
    }

    /// <summary>Decides an inbound opaque connection: false means close it before it reaches the app.</summary>
    public bool AuthorizeTcp(ProxyConnectionFeature connection, EndPoint? remote)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return Decide(false, connection.TargetPort, connection.ClientIdentity, (remote as IPEndPoint)?.Address) is null;
    }

    /// <inheritdoc />
    public void Dispose() => _subscription.Dispose();

    private string? Decide(bool http, int port, string? identity, IPAddress? remote)
    {
        var decision = _current.Evaluate(port, identity, remote);
        if (decision.Rule is { } rule)
        {
            _metrics.Count(http, true, port, decision.Server.MetricLabels, rule.MetricLabels, identity);
            if (decision.Audited)
            {
                Log.Audited(_logger, http ? "HTTP request" : "TCP connection", port, identity ?? "(none)", decision.Server.Name);
            }

            return null;
        }

        _metrics.Count(http, false, port, decision.Server.MetricLabels, "", identity);
        var reason = decision.DenialReason(identity);
        Log.Denied(_logger, http ? "HTTP request" : "TCP connection", port, reason);
        return reason;
    }

    private void Reload()
    {
        // Most snapshots change services only: recompile only when the policy itself changed.
        var policy = _provider.GetConfig().InboundPolicy;
        if (!ReferenceEquals(policy, _compiledFrom))
        {
            _compiledFrom = policy;
            _current = CompiledInboundPolicy.Compile(policy);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Inbound {What} to port {Port} refused: {Reason}")]
        public static partial void Denied(ILogger logger, string what, int port, string reason);

        [LoggerMessage(2, LogLevel.Information, "Inbound {What} to port {Port} from identity {Identity} allowed by audit on {Server}: the policy would refuse it")]
        public static partial void Audited(ILogger logger, string what, int port, string identity, string server);
    }
}
