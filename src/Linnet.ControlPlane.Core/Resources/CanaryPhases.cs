namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Flagger's canary phases (<c>status.phase</c>).</summary>
public static class CanaryPhases
{
    /// <summary>Creating the primary and the services.</summary>
    public const string Initializing = "Initializing";

    /// <summary>The primary serves; waiting for a new revision.</summary>
    public const string Initialized = "Initialized";

    /// <summary>Waiting (a gate is closed).</summary>
    public const string Waiting = "Waiting";

    /// <summary>Analysis and traffic steps in progress.</summary>
    public const string Progressing = "Progressing";

    /// <summary>Analysis done, waiting for promotion to be confirmed.</summary>
    public const string WaitingPromotion = "WaitingPromotion";

    /// <summary>The canary's spec was copied to the primary; traffic goes back to it.</summary>
    public const string Promoting = "Promoting";

    /// <summary>Traffic is back on the primary; the canary is scaled down.</summary>
    public const string Finalising = "Finalising";

    /// <summary>Promotion finished.</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>Rolled back.</summary>
    public const string Failed = "Failed";

    /// <summary>Deleted with <c>revertOnDeletion</c>: the target is scaled up and, once ready, takes the traffic.</summary>
    public const string Terminating = "Terminating";

    /// <summary>The target serves again; the controller's objects and the Canary are removed at the next step.</summary>
    public const string Terminated = "Terminated";
}
