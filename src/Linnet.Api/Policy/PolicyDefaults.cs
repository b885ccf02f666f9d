namespace Linnet.Api.Policy;

/// <summary>The values a traffic policy takes when a field is not given: Linkerd's where Linkerd has the feature,
/// the one place both the control plane (resources, translation) and the proxy (its config file, the records it
/// compiles) take them from.</summary>
public static class PolicyDefaults
{
    /// <summary>Retries per request when a retry policy gives no limit (Linkerd: <c>retry.linkerd.io/limit</c>, 1).</summary>
    public const int RetryLimit = 1;

    /// <summary>Request bodies larger than this are sent once, never retried (they would have to be kept).</summary>
    public const int RetryMaxBodyBytes = 64 * 1024;

    /// <summary>The condition an HTTP route retries on when its retry policy names none (Linkerd: 5xx).</summary>
    public const string RetryHttpCondition = "5xx";

    /// <summary>The codes a gRPC route retries on when its retry policy names none (Linkerd's: cancelled,
    /// deadline-exceeded, resource-exhausted, internal, unavailable).</summary>
    public static IReadOnlyList<int> RetryGrpcCodes { get; } = [1, 4, 8, 13, 14];

    /// <summary>The HTTP status of a fault abort that gives only a gRPC status (its HTTP requests get this).</summary>
    public const int AbortHttpStatus = 500;

    /// <summary>Share of requests retries may add (Linkerd's retry budget: 0.2).</summary>
    public const double RetryBudgetRatio = 0.2;

    /// <summary>Retries allowed each second whatever the ratio (Linkerd: 10).</summary>
    public const int RetryBudgetMinRetriesPerSecond = 10;

    /// <summary>The window the ratio is computed over (Linkerd: 10 s).</summary>
    public static readonly TimeSpan RetryBudgetTtl = TimeSpan.FromSeconds(10);

    /// <summary>Failures in a row that eject an endpoint (Linkerd's consecutive failure accrual: 7).</summary>
    public const int FailureAccrualConsecutiveFailures = 7;

    /// <summary>The first penalty of an ejected endpoint (Linkerd: 1 s).</summary>
    public static readonly TimeSpan FailureAccrualMinPenalty = TimeSpan.FromSeconds(1);

    /// <summary>The longest penalty (Linkerd: 1 min).</summary>
    public static readonly TimeSpan FailureAccrualMaxPenalty = TimeSpan.FromMinutes(1);

    /// <summary>Jitter of the penalty (Linkerd: 0.5).</summary>
    public const double FailureAccrualJitterRatio = 0.5;

    /// <summary>Whether a retry policy names no condition at all, so that the defaults above apply.</summary>
    public static bool RetryConditionsUnspecified(int conditions, int statusCodes, int grpcCodes) =>
        conditions == 0 && statusCodes == 0 && grpcCodes == 0;
}
