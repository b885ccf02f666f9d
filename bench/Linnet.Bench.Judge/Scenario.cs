namespace Linnet.Bench.Judge;

/// <summary>One kind of canary: its failure rate and how much slower than the primary it answers.</summary>
internal sealed record Scenario(string Name, double FailureRate, double LatencyFactor);
