using System.Globalization;
using Linnet.Api.Validation;

namespace Linnet.ControlPlane.Core.Judge;

/// <summary>The judge settings a Canary carries under <c>analysis</c> (<c>judge</c>, <c>alpha</c>,
/// <c>successRateMargin</c>, <c>latencyQuantile</c>, <c>latencyMargin</c>, <c>undecidedIntervals</c>); see docs/canary-judge.md.</summary>
public sealed record JudgeOptions
{
    /// <summary><see cref="JudgeKinds.Threshold"/> (the default) or <see cref="JudgeKinds.Sequential"/>.</summary>
    public string Kind { get; init; } = JudgeKinds.Threshold;

    /// <summary>The largest probability, over the whole analysis however often it looks, of rolling back a
    /// canary no worse than the primary, and of promoting one worse than the primary by more than a margin.</summary>
    public double Alpha { get; init; } = 0.05;

    /// <summary>How much higher, as a fraction of requests, the canary's failure rate may be than the
    /// primary's and still be promoted (0.01 = one percentage point).</summary>
    public double SuccessRateMargin { get; init; } = 0.01;

    /// <summary>The latency quantile compared (0.99 = p99): the primary's value picks the histogram bucket
    /// bound above which both sides' shares of responses are compared.</summary>
    public double LatencyQuantile { get; init; } = 0.99;

    /// <summary>How much larger, as a fraction of responses, the canary's share of responses slower than
    /// that bound may be than the primary's and still be promoted.</summary>
    public double LatencyMargin { get; init; } = 0.01;

    /// <summary>How many analysis intervals the canary may stay at maxWeight with the judge undecided before it is
    /// rolled back: evidence that never comes (too little traffic, a difference right at the margin) must not hold
    /// a release open forever. Counted in intervals, as Flagger counts its threshold, so it scales with the interval.</summary>
    public int UndecidedIntervals { get; init; } = DefaultUndecidedIntervals;

    /// <summary>The default of <see cref="UndecidedIntervals"/>: long enough that at 10 req/s an A/A canary is
    /// shown within the margins before it runs out (with 10, the replay rolled back 21 % of A/A canaries and 1.5 %
    /// of good ones at 10 req/s for indecision; with 30, none beyond the test's own 0.8 %; docs/benchmarks.md).</summary>
    public const int DefaultUndecidedIntervals = 30;

    /// <summary>Primary responses needed before the latency bound is chosen: enough that the chosen
    /// bucket sits near the quantile (on average two responses above it).</summary>
    public long ResponsesForLatencyBound => (long)Math.Ceiling(2 / (1 - LatencyQuantile));

    /// <summary>Every problem with these settings, each with its field path under <paramref name="path"/>.</summary>
    public IReadOnlyList<FieldError> Validate(string path)
    {
        var errors = new List<FieldError>();
        if (!JudgeKinds.All.Contains(Kind, StringComparer.Ordinal))
        {
            errors.Add(new FieldError($"{path}.judge", $"'{Kind}' is not one of: {string.Join(", ", JudgeKinds.All)}"));
        }

        // Below 0.001 the evidence needed (2/alpha) makes the judge wait for thousands of failures; above
        // 0.2 it would roll back one healthy canary in five: both are mistakes, not choices.
        if (!(Alpha >= 0.001 && Alpha <= 0.2))
        {
            errors.Add(new FieldError($"{path}.alpha", $"{Format(Alpha)} is not between 0.001 and 0.2"));
        }

        if (!(SuccessRateMargin > 0 && SuccessRateMargin <= 0.5))
        {
            errors.Add(new FieldError($"{path}.successRateMargin", $"{Format(SuccessRateMargin)} is not above 0 and at most 0.5 (a fraction of requests: 0.01 is one point)"));
        }

        if (!(LatencyQuantile >= 0.5 && LatencyQuantile <= 0.999))
        {
            errors.Add(new FieldError($"{path}.latencyQuantile", $"{Format(LatencyQuantile)} is not between 0.5 and 0.999"));
        }

        if (!(LatencyMargin > 0 && LatencyMargin <= 0.5))
        {
            errors.Add(new FieldError($"{path}.latencyMargin", $"{Format(LatencyMargin)} is not above 0 and at most 0.5 (a fraction of responses: 0.01 is one point)"));
        }

        if (UndecidedIntervals is < 1 or > 10_000)
        {
            errors.Add(new FieldError($"{path}.undecidedIntervals", $"{UndecidedIntervals.ToString(CultureInfo.InvariantCulture)} is not between 1 and 10000"));
        }

        return errors;
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
