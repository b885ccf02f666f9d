using System.Globalization;
using Linnet.Proxy.Telemetry;

namespace Linnet.Proxy.Resilience;

/// <summary>One request's retries: whether an attempt's outcome is retried, within the route's limit and
/// the target service's budget (one retry withdrawn per retry sent).</summary>
internal sealed class RetryState(RetryPolicy policy, RetryBudget budget, RouteSeries series)
{
    public RetryPolicy Policy => policy;

    public int Retries { get; private set; }

    /// <summary>A body of unknown length being kept as it streams; null when the body was kept whole
    /// beforehand (or there is none).</summary>
    public ReplayableRequestBody? StreamingBody { get; init; }

    /// <summary>Whether a response is retriable: its status, or the <c>grpc-status</c> of a trailers-only
    /// gRPC response (a gRPC status in the trailers comes after the body has been passed on: too late).</summary>
    public bool IsRetriable(HttpResponseMessage response)
    {
        if (policy.IsRetriableStatus((int)response.StatusCode))
        {
            return true;
        }

        if (policy.HasGrpcCodes && response.Headers.TryGetValues("grpc-status", out var values))
        {
            foreach (var value in values)
            {
                return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && policy.IsRetriableGrpc(code);
            }
        }

        return false;
    }

    /// <summary>Whether an attempt that ended <paramref name="retriable"/> is retried: the limit and the
    /// budget allow it (the retry is then counted and withdrawn).</summary>
    public bool TryRetry(bool retriable)
    {
        // A body that is still arriving, or was too large to keep, cannot be sent again.
        if (!retriable || StreamingBody is { CanReplay: false })
        {
            return false;
        }

        if (Retries >= policy.Limit)
        {
            series.RetryLimit();
            return false;
        }

        if (!budget.TryWithdraw())
        {
            series.BudgetExhausted();
            return false;
        }

        Retries++;
        series.Retry();
        return true;
    }
}
