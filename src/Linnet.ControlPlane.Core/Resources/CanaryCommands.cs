namespace Linnet.ControlPlane.Core.Resources;

/// <summary>The manual commands on a canary and their outcomes; <see cref="Refusal"/> is the one check of whether
/// a command applies now, used by the API (to answer 409 at once) and by the state machine (which applies it).</summary>
public static class CanaryCommands
{
    /// <summary>Skip the remaining steps and promote through Flagger's promotion path.</summary>
    public const string Promote = "promote";

    /// <summary>Stop the analysis and route all traffic to the primary (the canary fails).</summary>
    public const string Abort = "abort";

    /// <summary>Hold the current weight: no analysis, no step, until resumed.</summary>
    public const string Pause = "pause";

    /// <summary>Continue a paused canary.</summary>
    public const string Resume = "resume";

    /// <summary>During an analysis, as abort; after a promotion, within <c>rollbackWindow</c>, all traffic back to
    /// the previous primary (kept warm) in one step.</summary>
    public const string Rollback = "rollback";

    /// <summary>Every command.</summary>
    public static IReadOnlyList<string> All { get; } = [Promote, Abort, Pause, Resume, Rollback];

    /// <summary>Recorded, not yet applied by the controller.</summary>
    public const string Pending = "Pending";

    /// <summary>Applied.</summary>
    public const string Applied = "Applied";

    /// <summary>Refused by the controller (the canary had moved on); the message says why.</summary>
    public const string Refused = "Refused";

    /// <summary>Why <paramref name="action"/> cannot apply to <paramref name="canary"/> as it stands; null when it can.</summary>
    public static string? Refusal(CanaryResource canary, string action)
    {
        ArgumentNullException.ThrowIfNull(canary);
        var status = canary.Status;
        var phase = status.Phase.Length == 0 ? "not yet initialised" : status.Phase;
        var analysing = status.Phase is CanaryPhases.Progressing or CanaryPhases.WaitingPromotion or CanaryPhases.Waiting;
        var warm = status.Phase == CanaryPhases.Succeeded && status.Standby is { Serving: false, Until: not null };
        if (!All.Contains(action, StringComparer.Ordinal))
        {
            return $"'{action}' is not a canary command (one of: {string.Join(", ", All)})";
        }

        if (canary.Spec.Suspend)
        {
            return "the canary is suspended (spec.suspend: true): nothing acts on it until it is resumed by an apply";
        }

        return action switch
        {
            Promote or Abort when !analysing => $"{action} applies to a canary under analysis (Progressing); this one is {phase}",
            Pause when !analysing => $"pause holds a canary under analysis (Progressing); this one is {phase}",
            Pause when status.Paused => "the canary is already paused",
            Resume when !status.Paused => "the canary is not paused",
            Rollback when !analysing && !warm => status.Standby is { Serving: true }
                ? "the canary is already rolled back to the previous primary"
                : $"nothing to roll back: the canary is {phase} and no previous primary is kept warm (analysis.rollbackWindow, after a promotion)",
            _ => null,
        };
    }
}
