namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Answer a share of requests from the proxy: with <paramref name="HttpStatus"/> (200..599) and, for
/// gRPC requests, <paramref name="GrpcStatus"/> (1..16). At least one is set.</summary>
public sealed record FaultAbort(int? HttpStatus, int? GrpcStatus, double Percent);
