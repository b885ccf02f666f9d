namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Flagger's webhook types (<c>analysis.webhooks[].type</c>) and when the scheduler calls them.</summary>
public static class CanaryHookTypes
{
    /// <summary>Before a new revision is scaled up; a failure holds the canary in <c>Waiting</c>.</summary>
    public const string ConfirmRollout = "confirm-rollout";

    /// <summary>At the first step, before traffic; a failure is a failed check.</summary>
    public const string PreRollout = "pre-rollout";

    /// <summary>At every analysis step, before the metrics; a failure is a failed check.</summary>
    public const string Rollout = "rollout";

    /// <summary>Before each weight increase (canary strategy); a failure holds the weight.</summary>
    public const string ConfirmTrafficIncrease = "confirm-traffic-increase";

    /// <summary>Before promotion; a failure holds the canary in <c>WaitingPromotion</c> while the analysis goes on.</summary>
    public const string ConfirmPromotion = "confirm-promotion";

    /// <summary>After promotion or rollback; a failure is only recorded.</summary>
    public const string PostRollout = "post-rollout";

    /// <summary>Polled while Progressing, Waiting or WaitingPromotion; a success rolls the canary back.</summary>
    public const string Rollback = "rollback";

    /// <summary>Every event of the canary is posted to it; a failure is only logged.</summary>
    public const string Event = "event";

    /// <summary>Every type.</summary>
    public static IReadOnlyList<string> All { get; } = [ConfirmRollout, PreRollout, Rollout, ConfirmTrafficIncrease, ConfirmPromotion, PostRollout, Rollback, Event];
}
