using System.Net;
using Linnet.Proxy.Detection;

namespace Linnet.Proxy.Http;

/// <summary>A Kestrel endpoint with no socket behind it: connections arrive already accepted and
/// classified by the proxy's listeners, one endpoint for each HTTP version.</summary>
internal sealed class DispatchEndPoint(DetectedProtocol protocol) : EndPoint
{
    public DetectedProtocol Protocol { get; } = protocol;

    public override string ToString() => $"linnet-dispatch:{Protocol}";
}
