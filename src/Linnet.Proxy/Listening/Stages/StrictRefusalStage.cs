using System.Net;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Telemetry;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Listening.Stages;

/// <summary>Decides a connection that is not a client proxy's mTLS where one could have been. Strict inbound
/// TLS: a meshed port takes nothing but a client proxy's mTLS; closing (rather than a 403) treats HTTP and
/// opaque alike and tells a plaintext client nothing about the app. Permissive: it is served, and counted as
/// plaintext from here (its series waited for this decision).</summary>
internal sealed partial class StrictRefusalStage(BootstrapConfig config, ProxyMetrics metrics, ILogger<StrictRefusalStage> logger) : IConnectionStage
{
    /// <inheritdoc />
    public string Name => "strict-refusal";

    /// <inheritdoc />
    public Task InvokeAsync(AcceptedConnection connection, ConnectionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(next);
        if (connection.MeshCandidate && connection.MeshStream is null && config.InboundTls == InboundTlsMode.Strict)
        {
            metrics.ProxyError(Direction.Inbound, "plaintext_refused");
            Log.PlaintextRefused(logger, connection.Socket.RemoteEndPoint);
            return Task.CompletedTask;
        }

        connection.SeriesOrPlaintext();
        return next(connection);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Plaintext connection from {Remote} refused: inbound TLS is strict")]
        public static partial void PlaintextRefused(ILogger logger, EndPoint? remote);
    }
}
