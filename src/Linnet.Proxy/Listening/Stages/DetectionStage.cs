using System.Buffers;
using System.Net.Sockets;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Detection;
using Linnet.Proxy.Tls;

namespace Linnet.Proxy.Listening.Stages;

/// <summary>Classifies the connection from its first bytes with <c>MSG_PEEK</c>, consuming nothing: a client
/// proxy's mTLS (a ClientHello offering a mesh ALPN, looked for only when the connection may be one), HTTP/2's
/// preface, an HTTP/1 request line, else opaque. On an opaque port only the mesh ClientHello is looked for.</summary>
internal sealed class DetectionStage(BootstrapConfig config, TimeProvider time) : IConnectionStage
{
    /// <inheritdoc />
    public string Name => "detect";

    /// <inheritdoc />
    public async Task InvokeAsync(AcceptedConnection connection, ConnectionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(next);
        var opaquePort = DescribeStage.IsOpaquePort(connection.Feature, config);
        connection.Protocol = opaquePort && !connection.MeshCandidate
            ? DetectedProtocol.Opaque
            : await DetectAsync(connection.Socket, connection.MeshCandidate, opaquePort);
        if (connection.Drain.Stopping)
        {
            return;
        }

        await next(connection);
    }

    /// <summary>Almost always the first segment decides; when it does not (a request line or a ClientHello split
    /// across segments), the peek is repeated with a short backoff until more bytes arrive or the detect
    /// timeout passes. Silence until the timeout means opaque (server-speaks-first protocols).</summary>
    private async Task<DetectedProtocol> DetectAsync(Socket socket, bool mesh, bool opaquePort)
    {
        using var timeout = new CancellationTokenSource(config.DetectTimeout, time);
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
                        await Task.Delay(backoff, time, timeout.Token);
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
}
