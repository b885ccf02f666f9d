using Linnet.Api.Policy;

namespace Linnet.ControlPlane.Core.Translation;

/// <summary>A retry filter with its defaults applied: limit 1; with no condition given, <c>5xx</c> on an
/// HTTPRoute and the gRPC codes cancelled, deadline-exceeded, resource-exhausted, internal and unavailable
/// on a GRPCRoute (Linkerd's defaults); 64 KiB bodies.</summary>
public sealed record MeshRetry(int Limit, IReadOnlyList<string> On, IReadOnlyList<int> StatusCodes, IReadOnlyList<int> GrpcCodes, bool RetryNonIdempotent, int MaxBodyBytes)
{
    /// <summary>Linkerd's default retriable gRPC codes.</summary>
    public static IReadOnlyList<int> DefaultGrpcCodes => PolicyDefaults.RetryGrpcCodes;

    /// <summary>Bodies larger than this are not retried unless the filter says otherwise.</summary>
    public const int DefaultMaxBodyBytes = PolicyDefaults.RetryMaxBodyBytes;

    /// <inheritdoc />
    public bool Equals(MeshRetry? other) =>
        other is not null && Limit == other.Limit && On.SequenceEqual(other.On) && StatusCodes.SequenceEqual(other.StatusCodes)
        && GrpcCodes.SequenceEqual(other.GrpcCodes) && RetryNonIdempotent == other.RetryNonIdempotent && MaxBodyBytes == other.MaxBodyBytes;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Limit, On.Count, MaxBodyBytes);
}
