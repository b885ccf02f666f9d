namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Where an <see cref="ApprovalResource"/> stands. Only <see cref="Pending"/> takes votes; every other
/// state is final (Keel's "archived").</summary>
public static class ApprovalStates
{
    /// <summary>Waiting for votes until its deadline.</summary>
    public const string Pending = "pending";

    /// <summary>Enough voters approved and the workload was moved to the approved image.</summary>
    public const string Applied = "applied";

    /// <summary>Enough voters approved, but the workload had moved to another image meanwhile: nothing applied.</summary>
    public const string Superseded = "superseded";

    /// <summary>A voter rejected it.</summary>
    public const string Rejected = "rejected";

    /// <summary>Its deadline passed before enough voters approved.</summary>
    public const string Expired = "expired";
}
