using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>An Approval's and a ReleaseVerdict's spec as the store keeps them.</summary>
public static partial class ResourceWriter
{
    internal static JsonObject ApprovalSpecJson(ApprovalSpec spec)
    {
        var voters = new JsonObject();
        foreach (var (voter, at) in spec.Voters.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            voters[voter] = Time(at);
        }

        var json = new JsonObject
        {
            ["workload"] = spec.Workload,
            ["identifier"] = spec.Identifier,
            ["currentImage"] = spec.CurrentImage,
            ["newImage"] = spec.NewImage,
            ["votesRequired"] = spec.VotesRequired,
            ["deadline"] = Time(spec.Deadline),
            ["createdAt"] = Time(spec.CreatedAt),
            ["updatedAt"] = Time(spec.UpdatedAt),
            ["voters"] = voters,
            ["state"] = spec.State,
        };
        if (spec.Reason is not null)
        {
            json["reason"] = spec.Reason;
        }

        return json;
    }

    internal static JsonObject ReleaseVerdictSpecJson(ReleaseVerdictSpec spec) => new()
    {
        ["workload"] = spec.Workload,
        ["canary"] = spec.Canary,
        ["image"] = spec.Image,
        ["verdict"] = spec.Verdict,
        ["reasons"] = new JsonArray([.. spec.Reasons.Select(r => (JsonNode)r)]),
        ["at"] = Time(spec.At),
    };
}
