namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>Who writes resources of a kind.</summary>
public enum KindAuthor
{
    /// <summary>Users apply them (the control plane may write their status).</summary>
    User,

    /// <summary>The platform writes them (what runs, where): refused on apply and on delete.</summary>
    Platform,

    /// <summary>The control plane writes them as records (approvals, verdicts): refused on apply and on delete.</summary>
    ControlPlane,
}
