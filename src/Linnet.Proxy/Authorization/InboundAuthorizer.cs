using System.Net;
using Linnet.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Authorization;

/// <summary>Decides inbound HTTP requests and opaque connections against the compiled policy the caller took
/// from the config in effect (the same <c>ProxyModel</c> its routes came from, so that one request never mixes
/// versions). Counts each decision with Linkerd's metric names and logs refusals and audits.</summary>
internal sealed partial class InboundAuthorizer(AuthorizationMetrics metrics, ILogger<InboundAuthorizer> logger)
{
    private readonly AuthorizationMetrics _metrics = metrics;
    private readonly ILogger<InboundAuthorizer> _logger = logger;

    /// <summary>Decides an inbound HTTP request: null when allowed, else the reason (the caller answers 403,
    /// or PERMISSION_DENIED for gRPC).</summary>
    /// <param name="policy">The policy of the config in effect, taken once for the request.</param>
    /// <param name="context">The request.</param>
    /// <param name="targetPort">The app port the connection is for.</param>
    /// <param name="clientIdentity">The identity the client proxy proved over mTLS; null for plaintext.</param>
    public string? AuthorizeHttp(CompiledInboundPolicy policy, HttpContext context, int targetPort, string? clientIdentity)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(context);
        return Decide(policy, true, targetPort, clientIdentity, context.Connection.RemoteIpAddress);
    }

    /// <summary>Decides an inbound opaque connection: false means close it before it reaches the app.</summary>
    public bool AuthorizeTcp(CompiledInboundPolicy policy, int targetPort, string? clientIdentity, EndPoint? remote)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return Decide(policy, false, targetPort, clientIdentity, (remote as IPEndPoint)?.Address) is null;
    }

    private string? Decide(CompiledInboundPolicy policy, bool http, int port, string? identity, IPAddress? remote)
    {
        var decision = policy.Evaluate(port, identity, remote);
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

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Inbound {What} to port {Port} refused: {Reason}")]
        public static partial void Denied(ILogger logger, string what, int port, string reason);

        [LoggerMessage(2, LogLevel.Information, "Inbound {What} to port {Port} from identity {Identity} allowed by audit on {Server}: the policy would refuse it")]
        public static partial void Audited(ILogger logger, string what, int port, string identity, string server);
    }
}
