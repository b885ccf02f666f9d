namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Gateway API <c>GRPCMethodMatch</c>: <c>Exact</c> or <c>RegularExpression</c> on the fully
/// qualified service (<c>pkg.Service</c>) and the method; at least one of them is set.</summary>
public sealed record GrpcMethodMatch(string Type, string? Service, string? Method);
