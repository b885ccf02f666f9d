namespace Linnet.Proxy.Configuration;

/// <summary>Answer a share of requests from the proxy instead of forwarding them.</summary>
/// <param name="HttpStatus">The HTTP status to answer with (for gRPC requests with <paramref name="GrpcStatus"/> set, 200).</param>
/// <param name="GrpcStatus">When set, gRPC requests are answered with this <c>grpc-status</c> (in a trailers-only response).</param>
/// <param name="Percent">0 to 100, fractions allowed.</param>
internal sealed record FaultAbortConfig(int HttpStatus, int? GrpcStatus, double Percent);
