using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Admission;

/// <summary>The resources to commit, or why the request is refused.</summary>
internal sealed record AdmissionResult(IReadOnlyList<Resource> Resources, string? Error)
{
    public static AdmissionResult Admitted(IReadOnlyList<Resource> resources) => new(resources, null);

    public static AdmissionResult Refused(string error) => new([], error);
}
