namespace Linnet.ControlPlane.Core.Resources;

/// <summary>The verdicts of a <see cref="ReleaseVerdictResource"/>.</summary>
public static class ReleaseVerdicts
{
    /// <summary>The analysis passed; the primary runs the image.</summary>
    public const string Promoted = "promoted";

    /// <summary>The analysis failed; the primary kept its image, and this one is not tried again.</summary>
    public const string RolledBack = "rolledBack";
}
