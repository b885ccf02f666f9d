using System.Globalization;
using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>Approvals and release verdicts as the store keeps them (the control plane writes them; they are never
/// applied).</summary>
public static partial class ManifestParser
{
    internal static ApprovalSpec ParseApprovalSpec(YamlMap spec)
    {
        var voters = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var (voter, at) in spec.StringMap("voters"))
        {
            voters[voter] = DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time) ? time : default;
        }

        var result = new ApprovalSpec(
            spec.Text("workload", required: true) ?? "",
            spec.Text("identifier", required: true) ?? "",
            spec.Text("currentImage", required: true) ?? "",
            spec.Text("newImage", required: true) ?? "",
            spec.Number("votesRequired", 1, int.MaxValue, required: true) ?? 1,
            Time(spec, "deadline"),
            Time(spec, "createdAt"))
        {
            Voters = voters,
            State = spec.Text("state", required: true) ?? ApprovalStates.Pending,
            Reason = spec.Text("reason"),
            UpdatedAt = Time(spec, "updatedAt"),
        };
        spec.RejectUnknown();
        return result;
    }

    internal static ReleaseVerdictSpec ParseReleaseVerdictSpec(YamlMap spec)
    {
        var result = new ReleaseVerdictSpec(
            spec.Text("workload", required: true) ?? "",
            spec.Text("canary", required: true) ?? "",
            spec.Text("image", required: true) ?? "",
            spec.Text("verdict", required: true) ?? "",
            spec.StringList("reasons"),
            Time(spec, "at"));
        spec.RejectUnknown();
        return result;
    }
}
