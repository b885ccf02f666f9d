namespace Linnet.ControlPlane.Core.Judge;

/// <summary>The values of a Canary's <c>analysis.judge</c> field.</summary>
public static class JudgeKinds
{
    /// <summary>Flagger's threshold analysis: each metric against fixed bounds, rollback after
    /// <c>threshold</c> failed checks. The default, so Flagger manifests behave as in Flagger.</summary>
    public const string Threshold = "threshold";

    /// <summary>The anytime-valid comparison of canary with primary (<see cref="SequentialJudge"/>).</summary>
    public const string Sequential = "sequential";

    /// <summary>Every accepted value.</summary>
    public static IReadOnlyList<string> All { get; } = [Threshold, Sequential];
}
