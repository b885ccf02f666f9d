using System.Globalization;

namespace Linnet.ControlPlane.Core.Judge;

/// <summary>Renders a <see cref="JudgeResult"/> as the sentence shown in status, describe and alerts, e.g.
/// "rolled back: canary failure rate 3.1 % vs primary 0.4 %, difference excludes 0 at α = 0.05 after 412
/// canary requests".</summary>
internal static class JudgeText
{
    public static string Describe(JudgeResult result)
    {
        var alpha = result.Alpha.ToString("0.###", CultureInfo.InvariantCulture);
        var after = string.Create(CultureInfo.InvariantCulture, $"after {result.CanaryRequests} canary requests");
        switch (result.Verdict)
        {
            case JudgeVerdict.RollBack:
                var harm = result.FailureRate.Harmful ? result.FailureRate : result.Latency!;
                return $"rolled back: canary {Name(harm)} {Percent(harm.CanaryRate)} vs primary {Percent(harm.PrimaryRate)}, difference excludes 0 at α = {alpha} {after}";
            case JudgeVerdict.Promote:
                return $"ready to promote: {Bounded(result.FailureRate, "canary ")}; {Bounded(result.Latency!, string.Empty)}; at α = {alpha} {after}";
            default:
                var latency = result.Latency is null
                    ? string.Create(CultureInfo.InvariantCulture, $"latency not judged until the primary has {result.ResponsesUntilLatencyBound} more responses")
                    : Pending(result.Latency, string.Empty);
                return $"analysing: {Pending(result.FailureRate, "canary ")}; {latency}; α = {alpha}, {after}";
        }
    }

    private static string Name(MetricEvidence evidence) => evidence.LatencyBoundMs is { } bound
        ? string.Create(CultureInfo.InvariantCulture, $"responses slower than {bound:0.###} ms")
        : "failure rate";

    private static string Bounded(MetricEvidence evidence, string prefix) =>
        $"{prefix}{Name(evidence)} {Percent(evidence.CanaryRate)} vs primary {Percent(evidence.PrimaryRate)} (difference at most {Points(evidence.DifferenceUpper)}, margin {Points(evidence.Margin)})";

    private static string Pending(MetricEvidence evidence, string prefix) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}{Name(evidence)} {Percent(evidence.CanaryRate)} vs primary {Percent(evidence.PrimaryRate)} (evidence of harm {evidence.EValue:0.0} of {evidence.EValueThreshold:0}; difference at most {Points(evidence.DifferenceUpper)}, margin {Points(evidence.Margin)})");

    private static string Percent(double fraction) => string.Create(CultureInfo.InvariantCulture, $"{fraction * 100:0.0} %");

    private static string Points(double fraction) => string.Create(CultureInfo.InvariantCulture, $"{fraction * 100:+0.0;-0.0;0.0} points");
}
