namespace Linnet.ControlPlane.Core.Judge;

/// <summary>The judge's decision at one look with the statistics behind it: what the Canary's status,
/// <c>describe</c>, alerts and the dashboard show (<see cref="Message"/> is the sentence they use).</summary>
public sealed record JudgeResult
{
    public required JudgeVerdict Verdict { get; init; }

    /// <summary>The error bound the decision holds at.</summary>
    public required double Alpha { get; init; }

    public required long CanaryRequests { get; init; }

    public required long PrimaryRequests { get; init; }

    /// <summary>Failed requests on each side.</summary>
    public required MetricEvidence FailureRate { get; init; }

    /// <summary>Responses slower than the bucket bound at the primary's latency quantile; null until the
    /// primary has served enough responses to place that bound.</summary>
    public MetricEvidence? Latency { get; init; }

    /// <summary>Primary responses still needed before latency is judged (0 once it is).</summary>
    public required long ResponsesUntilLatencyBound { get; init; }

    /// <summary>One sentence for people: the decision, the figures and the guarantee.</summary>
    public string Message => JudgeText.Describe(this);
}
