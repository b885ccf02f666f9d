using Linnet.ControlPlane.Core.Judge;

namespace Linnet.ControlPlane.Core.Resources;

/// <summary>The sequential judge on a Canary's status (<c>status.judge</c>): the state it resumes from, when
/// it last looked (the next look reads the metrics from then on, so no window is counted twice or skipped),
/// and the decision with its figures as of that look (<see cref="JudgeResult.Message"/> is the sentence for
/// <c>describe</c>, events and alerts).</summary>
public sealed record CanaryJudgeStatus(JudgeState State, DateTimeOffset LookedAt, JudgeResult Result)
{
    /// <summary>An analysis that starts at <paramref name="at"/>: no look yet.</summary>
    public static CanaryJudgeStatus Start(JudgeOptions options, DateTimeOffset at) =>
        new(JudgeState.Initial, at, new SequentialJudge(options).Current);

    /// <summary>The analysis intervals the canary has spent at maxWeight with the judge undecided (bounded by
    /// <see cref="JudgeOptions.UndecidedIntervals"/>).</summary>
    public int IntervalsAtMaxWeight { get; init; }

    /// <inheritdoc />
    public bool Equals(CanaryJudgeStatus? other) =>
        other is not null && State.Equals(other.State) && LookedAt == other.LookedAt && Result.Verdict == other.Result.Verdict
        && IntervalsAtMaxWeight == other.IntervalsAtMaxWeight;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(State, LookedAt, IntervalsAtMaxWeight);
}
