using System.Net;
using Linnet.Proxy.Detection;
using Microsoft.AspNetCore.Connections;

namespace Linnet.Proxy.Http;

/// <summary>Kestrel transport for <see cref="DispatchEndPoint"/>s. One listener per HTTP version exists
/// from the start, so the proxy can dispatch before Kestrel has bound.</summary>
internal sealed class DispatchTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector, IDisposable
{
    private readonly DispatchConnectionListener _http1 = new(new DispatchEndPoint(DetectedProtocol.Http1));
    private readonly DispatchConnectionListener _http2 = new(new DispatchEndPoint(DetectedProtocol.Http2));

    public static DispatchEndPoint Http1EndPoint { get; } = new(DetectedProtocol.Http1);

    public static DispatchEndPoint Http2EndPoint { get; } = new(DetectedProtocol.Http2);

    public bool CanBind(EndPoint endpoint) => endpoint is DispatchEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IConnectionListener>(Get(((DispatchEndPoint)endpoint).Protocol));

    public DispatchConnectionListener Get(DetectedProtocol protocol) => protocol switch
    {
        DetectedProtocol.Http1 => _http1,
        DetectedProtocol.Http2 => _http2,
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "only HTTP connections go to Kestrel"),
    };

    public void Dispose()
    {
        _http1.Close();
        _http2.Close();
    }
}
