namespace Linnet.Bench.Judge;

/// <summary>How a simulated analysis ended.</summary>
internal enum Outcome
{
    Undecided,
    RolledBack,
    Promoted,
}
