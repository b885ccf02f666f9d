namespace Linnet.ControlPlane.Core.Judge;

/// <summary>What the rollout controller reads from the metrics source at each look: both sides'
/// cumulative counts since the analysis started, over the same time and the same kind of traffic.</summary>
public sealed record JudgeInput(SideCounts Primary, SideCounts Canary);
