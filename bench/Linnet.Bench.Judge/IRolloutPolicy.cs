namespace Linnet.Bench.Judge;

/// <summary>An analysis algorithm driving a canary's weight: sees each 10-second tick's counts.</summary>
internal interface IRolloutPolicy
{
    /// <summary>The canary's current traffic weight, percent.</summary>
    int Weight { get; }

    /// <summary>Before the first tick: the primary's traffic before the analysis, for an algorithm that reads it.</summary>
    void Begin(Tally primaryHistory)
    {
    }

    /// <summary>Takes the tick's counts (the tick that has just ended, 0-based) and returns a decision,
    /// or <see cref="Outcome.Undecided"/> to go on.</summary>
    Outcome Step(int tick, Tally primary, Tally canary);
}
