using System.Globalization;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;
using Linnet.Registry;

namespace Linnet.ControlPlane.Updates;

/// <summary>An approval in Keel's <c>types.Approval</c> JSON shape (<c>id</c>, <c>archived</c>, <c>provider</c>,
/// <c>identifier</c>, <c>message</c>, <c>currentVersion</c>, <c>newVersion</c>, <c>digest</c>,
/// <c>votesRequired</c>, <c>votesReceived</c>, <c>voters</c>, <c>rejected</c>, <c>deadline</c>,
/// <c>createdAt</c>, <c>updatedAt</c>), with Linnet's <c>namespace</c>, <c>workload</c>, <c>state</c>,
/// <c>reason</c>, <c>currentImage</c> and <c>newImage</c> beside them.</summary>
internal static class ApprovalJson
{
    public static JsonObject ToJson(ApprovalResource approval)
    {
        var spec = approval.Spec;
        var voters = new JsonObject();
        foreach (var (voter, at) in spec.Voters.OrderBy(v => v.Value))
        {
            voters[voter] = Time(at);
        }

        var current = ImageReference.TryParse(spec.CurrentImage, out var c, out _) ? c : null;
        var next = ImageReference.TryParse(spec.NewImage, out var n, out _) ? n : null;
        return new JsonObject
        {
            ["id"] = approval.Metadata.Name,
            ["namespace"] = approval.Metadata.Namespace,
            ["archived"] = spec.State != ApprovalStates.Pending,
            ["provider"] = "universal",
            ["identifier"] = spec.Identifier,
            ["message"] = $"New image is available for resource {approval.Metadata.Namespace}/{spec.Workload} ({spec.CurrentImage} -> {spec.NewImage}).",
            ["currentVersion"] = current?.Tag ?? "latest",
            ["newVersion"] = next?.Tag ?? "latest",
            ["digest"] = next?.Digest?.ToString() ?? "",
            ["votesRequired"] = spec.VotesRequired,
            ["votesReceived"] = spec.Voters.Count,
            ["voters"] = voters,
            ["rejected"] = spec.State == ApprovalStates.Rejected,
            ["deadline"] = Time(spec.Deadline),
            ["createdAt"] = Time(spec.CreatedAt),
            ["updatedAt"] = Time(spec.UpdatedAt),
            ["workload"] = spec.Workload,
            ["state"] = spec.State,
            ["reason"] = spec.Reason,
            ["currentImage"] = spec.CurrentImage,
            ["newImage"] = spec.NewImage,
        };
    }

    private static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture);
}
