using Linnet.Proxy.Balancing;

namespace Linnet.Proxy.Tap;

/// <summary>What a tapped request looked like when it arrived, kept until its response ends. Exists only for
/// requests that some tap's method/authority/path filter matched.</summary>
internal sealed class TapCapture
{
    public required ulong RequestId { get; init; }

    public required ActiveTap[] Taps { get; init; }

    public required long Start { get; init; }

    public required long UnixMs { get; init; }

    public required string Method { get; init; }

    public required string Scheme { get; init; }

    public required string Authority { get; init; }

    public required string Path { get; init; }

    public required KeyValuePair<string, string>[] RequestHeaders { get; init; }

    public required string Source { get; init; }

    public required string Local { get; init; }

    public required ByteCountingStream? Body { get; init; }

    /// <summary>The endpoint the (last) attempt went to, outbound.</summary>
    public EndpointState? Endpoint { get; set; }

    /// <summary>The route whose rule matched the request (<c>namespace/name</c>, or a bare name from a static
    /// config), outbound; null: no route chose it.</summary>
    public string? Route { get; set; }

    /// <summary>That route's kind (<c>HTTPRoute</c>, <c>GRPCRoute</c>).</summary>
    public string? RouteKind { get; set; }
}
