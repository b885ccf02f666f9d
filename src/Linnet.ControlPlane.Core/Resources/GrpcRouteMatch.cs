namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A gRPC match: a method condition and header conditions, all of which must hold.</summary>
public sealed record GrpcRouteMatch(GrpcMethodMatch? Method, IReadOnlyList<HeaderMatch> Headers)
{
    /// <inheritdoc />
    public bool Equals(GrpcRouteMatch? other) =>
        other is not null && Equals(Method, other.Method) && Headers.SequenceEqual(other.Headers);

    /// <inheritdoc />
    public override int GetHashCode() => Headers.Count;
}
