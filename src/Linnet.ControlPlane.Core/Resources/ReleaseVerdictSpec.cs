namespace Linnet.ControlPlane.Core.Resources;

/// <summary>What a <see cref="ReleaseVerdictResource"/> records.</summary>
/// <param name="Workload">The Canary's target Workload (same namespace).</param>
/// <param name="Canary">The Canary that analysed it.</param>
/// <param name="Image">The image analysed, as the workload named it (with its digest when pinned).</param>
/// <param name="Verdict"><see cref="ReleaseVerdicts.Promoted"/> or <see cref="ReleaseVerdicts.RolledBack"/>.</param>
/// <param name="Reasons">Why: the analysis' warnings and failed checks, or how it was promoted.</param>
/// <param name="At">When the verdict was seen.</param>
public sealed record ReleaseVerdictSpec(string Workload, string Canary, string Image, string Verdict, IReadOnlyList<string> Reasons, DateTimeOffset At)
{
    /// <inheritdoc />
    public bool Equals(ReleaseVerdictSpec? other) =>
        other is not null && Workload == other.Workload && Canary == other.Canary && Image == other.Image && Verdict == other.Verdict
        && Reasons.SequenceEqual(other.Reasons) && At == other.At;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Workload, Image, Verdict);
}
