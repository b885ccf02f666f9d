using System.Globalization;
using Linnet.Api.Policy;

namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Flagger's <c>service.retries</c> (Istio's HTTPRetry), honoured through Linnet's retry filter on every rule of
/// the canary's route (Flagger's gatewayapi router drops it).</summary>
/// <param name="Attempts">Retries per request (Istio's <c>attempts</c>; 0: none).</param>
/// <param name="PerTryTimeout">Istio's <c>perTryTimeout</c>: each attempt's timeout (the rule's
/// <c>timeouts.backendRequest</c>, or the sooner of it and <c>service.backendTimeout</c>); null: none of its own.</param>
/// <param name="RetryOn">Istio's <c>retryOn</c> conditions, as listed: <c>5xx</c>, <c>gateway-error</c>,
/// <c>connect-failure</c>, HTTP statuses, and the gRPC statuses <c>cancelled</c>, <c>deadline-exceeded</c>,
/// <c>internal</c>, <c>resource-exhausted</c>, <c>unavailable</c>.</param>
public sealed record CanaryRetries(int Attempts, TimeSpan? PerTryTimeout, IReadOnlyList<string> RetryOn)
{
    /// <summary>The <c>retryOn</c> values Linnet honours besides HTTP statuses and the gRPC ones.</summary>
    public static IReadOnlyList<string> HttpConditions => RetryPolicy.Conditions;

    /// <summary>Linnet's retry filter doing what Istio's HTTPRetry does: any method is retried (Envoy retries by
    /// condition, whatever the method), bodies up to the filter's default size.</summary>
    public RetryPolicy Policy
    {
        get
        {
            var on = new List<string>();
            var statuses = new List<int>();
            var grpc = new List<int>();
            foreach (var condition in RetryOn)
            {
                if (HttpConditions.Contains(condition))
                {
                    on.Add(condition);
                }
                else if (GrpcStatusCodes.TryParseLinkerdRetryable(condition, out var code))
                {
                    grpc.Add(code);
                }
                else
                {
                    statuses.Add(int.Parse(condition, NumberStyles.None, CultureInfo.InvariantCulture));
                }
            }

            return new RetryPolicy(Attempts, on, statuses, grpc, RetryNonIdempotent: true, MaxBodyBytes: null);
        }
    }

    /// <inheritdoc />
    public bool Equals(CanaryRetries? other) =>
        other is not null && Attempts == other.Attempts && PerTryTimeout == other.PerTryTimeout && RetryOn.SequenceEqual(other.RetryOn);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Attempts, PerTryTimeout, RetryOn.Count);
}
