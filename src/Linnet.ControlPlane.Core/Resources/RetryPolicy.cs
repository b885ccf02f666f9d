namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Linnet's <c>LinnetRetry</c> filter as written (defaults are applied by the translator).</summary>
/// <param name="Limit">Retries per request; null: 1.</param>
/// <param name="On">Conditions: <c>5xx</c>, <c>gateway-error</c>, <c>connect-failure</c>.</param>
/// <param name="StatusCodes">HTTP statuses that are retriable (100..599).</param>
/// <param name="GrpcCodes">gRPC status codes that are retriable (1..16; names are stored as numbers).</param>
/// <param name="RetryNonIdempotent">Retry POST, PATCH and other non-idempotent methods as well.</param>
/// <param name="MaxBodyBytes">Requests with larger bodies are not retried; null: 64 KiB.</param>
public sealed record RetryPolicy(int? Limit, IReadOnlyList<string> On, IReadOnlyList<int> StatusCodes, IReadOnlyList<int> GrpcCodes, bool RetryNonIdempotent, int? MaxBodyBytes)
{
    /// <summary>The retry conditions a manifest may name.</summary>
    public static IReadOnlyList<string> Conditions => Linnet.Api.Validation.RouteRules.RetryConditions;

    /// <inheritdoc />
    public bool Equals(RetryPolicy? other) =>
        other is not null && Limit == other.Limit && On.SequenceEqual(other.On) && StatusCodes.SequenceEqual(other.StatusCodes)
        && GrpcCodes.SequenceEqual(other.GrpcCodes) && RetryNonIdempotent == other.RetryNonIdempotent && MaxBodyBytes == other.MaxBodyBytes;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Limit, On.Count, StatusCodes.Count, GrpcCodes.Count);
}
