namespace Linnet.Proxy.Listening.Stages;

/// <summary>Counts the connection in the <c>tcp_*</c> series. A connection that may be a client proxy's mTLS is
/// counted once the handshake names the client (<see cref="MeshTlsStage"/>), otherwise from the accept; the
/// series closes when the path ends, unless Kestrel took the connection over (it closes it then).</summary>
internal sealed class TcpMetricsStage : IConnectionStage
{
    /// <inheritdoc />
    public string Name => "tcp-metrics";

    /// <inheritdoc />
    public async Task InvokeAsync(AcceptedConnection connection, ConnectionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(next);
        if (!connection.MeshCandidate)
        {
            connection.SeriesOrPlaintext();
        }

        try
        {
            await next(connection);
        }
        finally
        {
            if (!connection.HandedOff)
            {
                connection.CloseSeries();
            }
        }
    }
}
