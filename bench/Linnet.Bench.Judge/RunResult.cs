namespace Linnet.Bench.Judge;

/// <summary>One simulated analysis: how it ended, when, how many requests the canary served until then,
/// and how many user requests went bad because of it within the horizon (the blast radius).</summary>
internal readonly record struct RunResult(Outcome Outcome, double DecisionMinutes, long CanaryRequests, double BlastRadius);
