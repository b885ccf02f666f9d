using Linnet.Api.Policy;

namespace Linnet.Proxy.Configuration;

/// <summary>Retries (Linnet's filter), drawn from the target service's <see cref="RetryBudgetConfig"/>.</summary>
/// <param name="Limit">Retries per request after the first attempt.</param>
/// <param name="On">The general conditions that make a response or failure retriable.</param>
/// <param name="StatusCodes">HTTP statuses that are retriable besides those <paramref name="On"/> covers.</param>
/// <param name="GrpcCodes">gRPC status codes that are retriable (for example 14, UNAVAILABLE).</param>
internal sealed record RetryConfig(int Limit, RetryConditions On, IReadOnlyList<int> StatusCodes, IReadOnlyList<int> GrpcCodes)
{
    /// <summary>The request bodies above 64 KiB are not retried (they would have to be buffered).</summary>
    public const int DefaultMaxBodyBytes = PolicyDefaults.RetryMaxBodyBytes;

    /// <summary>Retry POST, PATCH and other methods that are not idempotent as well.</summary>
    public bool RetryNonIdempotent { get; init; }

    /// <summary>Requests with bodies larger than this are sent once, never retried.</summary>
    public int MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;
}
