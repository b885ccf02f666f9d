namespace Linnet.ControlPlane.Core.Judge;

/// <summary>What the judge tells the rollout controller to do.</summary>
public enum JudgeVerdict
{
    /// <summary>Not enough evidence either way: keep the canary and keep looking.</summary>
    Continue,

    /// <summary>The canary is worse than the primary: roll back now.</summary>
    RollBack,

    /// <summary>The canary is shown not worse than the primary by more than the margins: promote.</summary>
    Promote,
}
