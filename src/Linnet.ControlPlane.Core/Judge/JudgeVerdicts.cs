namespace Linnet.ControlPlane.Core.Judge;

/// <summary>The names a <see cref="JudgeVerdict"/> has on a Canary's status (<c>status.judge.verdict</c>).</summary>
public static class JudgeVerdicts
{
    /// <summary><c>continue</c>, <c>rollBack</c> or <c>promote</c>.</summary>
    public static string Name(JudgeVerdict verdict) => verdict switch
    {
        JudgeVerdict.RollBack => "rollBack",
        JudgeVerdict.Promote => "promote",
        _ => "continue",
    };
}
