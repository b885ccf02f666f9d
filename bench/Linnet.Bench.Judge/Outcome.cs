namespace Linnet.Bench.Judge;

/// <summary>How a simulated analysis ended.</summary>
internal enum Outcome
{
    Undecided,
    RolledBack,
    Promoted,

    /// <summary>Rolled back because the judge had not decided within <c>undecidedIntervals</c> intervals at
    /// maxWeight (the controller's rule), not on evidence of harm.</summary>
    GaveUp,
}
