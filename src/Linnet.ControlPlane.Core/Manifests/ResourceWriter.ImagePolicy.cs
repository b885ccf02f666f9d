using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>An ImagePolicy's spec in the shape it is applied in (the settings that differ from Keel's defaults).</summary>
public static partial class ResourceWriter
{
    private static JsonObject ImagePolicySpecJson(ImagePolicySpec spec)
    {
        var settings = spec.Settings;
        var json = new JsonObject
        {
            ["targetRef"] = new JsonObject { ["kind"] = WorkloadResource.KindName, ["name"] = spec.Workload },
            ["policy"] = settings.Policy.Name,
        };
        if (settings.Policy.MatchTag)
        {
            json["matchTag"] = true;
        }

        if (!settings.Policy.MatchPreRelease)
        {
            json["matchPreRelease"] = false;
        }

        if (settings.Poll is { } poll)
        {
            json["trigger"] = "poll";
            json["pollSchedule"] = poll.Text;
        }

        if (settings.Approvals > 0)
        {
            json["approvals"] = settings.Approvals;
        }

        if (settings.ApprovalDeadline != TimeSpan.FromHours(Updates.KeelAnnotations.DefaultApprovalDeadlineHours))
        {
            json["approvalDeadline"] = (int)settings.ApprovalDeadline.TotalHours;
        }

        if (settings.NotifyChannels.Count > 0)
        {
            json["notify"] = new JsonArray(settings.NotifyChannels.Select(c => (JsonNode)JsonValue.Create(c)).ToArray());
        }

        if (settings.ReleaseNotes is { } notes)
        {
            json["releaseNotes"] = notes;
        }

        if (settings.MonitorContainers is { } pattern)
        {
            json["monitorContainers"] = pattern;
        }

        return json;
    }
}
