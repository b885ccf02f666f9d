using System.Globalization;
using Linnet.Api.Policy;

namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A Service's retry budget and circuit breaking, read from its annotations: Linkerd's
/// <c>balancer.linkerd.io/failure-accrual*</c> names, and Linnet's <c>retry.linnet.io/budget-*</c>.</summary>
public static class ServiceTrafficPolicy
{
    /// <summary><c>consecutive</c> (the default) or <c>disabled</c>.</summary>
    public const string FailureAccrual = "balancer.linkerd.io/failure-accrual";

    /// <summary>Failures in a row that eject an endpoint (1..1000; default 7).</summary>
    public const string MaxFailures = "balancer.linkerd.io/failure-accrual-consecutive-max-failures";

    /// <summary>The first penalty (default 1s).</summary>
    public const string MinPenalty = "balancer.linkerd.io/failure-accrual-consecutive-min-penalty";

    /// <summary>The longest penalty (default 1m).</summary>
    public const string MaxPenalty = "balancer.linkerd.io/failure-accrual-consecutive-max-penalty";

    /// <summary>Jitter of the penalty, 0..1 (default 0.5).</summary>
    public const string JitterRatio = "balancer.linkerd.io/failure-accrual-consecutive-jitter-ratio";

    /// <summary>Share of requests that retries may add, 0..1000 (default 0.2).</summary>
    public const string BudgetRatio = "retry.linnet.io/budget-ratio";

    /// <summary>Retries allowed each second whatever the ratio (default 10).</summary>
    public const string BudgetMinRetriesPerSecond = "retry.linnet.io/budget-min-retries-per-second";

    /// <summary>The window the ratio is computed over, 1s..60s (default 10s).</summary>
    public const string BudgetTtl = "retry.linnet.io/budget-ttl";

    /// <summary>Reads the policy; every invalid annotation is reported to <paramref name="error"/> (annotation
    /// name, reason) and its default used.</summary>
    public static (RetryBudgetPolicy Budget, FailureAccrualPolicy? CircuitBreaker) Read(IReadOnlyDictionary<string, string> annotations, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        ArgumentNullException.ThrowIfNull(error);
        var budgetDefaults = RetryBudgetPolicy.Default;
        var budget = new RetryBudgetPolicy(
            Number(annotations, BudgetRatio, 0, 1000, budgetDefaults.Ratio, error),
            (int)Number(annotations, BudgetMinRetriesPerSecond, 0, 1_000_000, budgetDefaults.MinRetriesPerSecond, error, whole: true),
            Duration(annotations, BudgetTtl, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), budgetDefaults.Ttl, error));

        var defaults = FailureAccrualPolicy.Default;
        var failures = (int)Number(annotations, MaxFailures, 1, 1000, defaults.ConsecutiveFailures, error, whole: true);
        var minPenalty = Duration(annotations, MinPenalty, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1), defaults.MinPenalty, error);
        var maxPenalty = Duration(annotations, MaxPenalty, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1), defaults.MaxPenalty, error);
        var jitter = Number(annotations, JitterRatio, 0, 1, defaults.JitterRatio, error);
        if (maxPenalty < minPenalty)
        {
            error(annotations.ContainsKey(MaxPenalty) ? MaxPenalty : MinPenalty, $"the maximum penalty {GoDuration.Format(maxPenalty)} is shorter than the minimum {GoDuration.Format(minPenalty)}");
            (minPenalty, maxPenalty) = (defaults.MinPenalty, defaults.MaxPenalty);
        }

        FailureAccrualPolicy? breaker = new(failures, minPenalty, maxPenalty, jitter);
        if (annotations.TryGetValue(FailureAccrual, out var mode))
        {
            switch (mode)
            {
                case "consecutive":
                    break;
                case "disabled":
                    breaker = null;
                    break;
                default:
                    error(FailureAccrual, $"'{mode}' is not one of: consecutive, disabled");
                    break;
            }
        }

        return (budget, breaker);
    }

    private static double Number(IReadOnlyDictionary<string, string> annotations, string name, double min, double max, double fallback, Action<string, string> error, bool whole = false)
    {
        if (!annotations.TryGetValue(name, out var text))
        {
            return fallback;
        }

        var styles = whole ? NumberStyles.AllowLeadingSign : NumberStyles.Float;
        if (!double.TryParse(text, styles, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value))
        {
            error(name, $"'{text}' is not {(whole ? "a whole number" : "a number")}");
            return fallback;
        }

        if (value < min || value > max)
        {
            error(name, string.Create(CultureInfo.InvariantCulture, $"{text} is out of range {min}..{max}"));
            return fallback;
        }

        return value;
    }

    private static TimeSpan Duration(IReadOnlyDictionary<string, string> annotations, string name, TimeSpan min, TimeSpan max, TimeSpan fallback, Action<string, string> error)
    {
        if (!annotations.TryGetValue(name, out var text))
        {
            return fallback;
        }

        if (!LinkerdDuration.TryParse(text, out var value))
        {
            error(name, LinkerdDuration.Problem(text));
            return fallback;
        }

        if (value < min || value > max)
        {
            error(name, $"'{text}' is out of range {GoDuration.Format(min)}..{GoDuration.Format(max)}");
            return fallback;
        }

        return value;
    }
}
