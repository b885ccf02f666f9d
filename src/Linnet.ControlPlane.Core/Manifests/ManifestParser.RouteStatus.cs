using System.Globalization;
using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>Routes' Gateway API status as the store keeps it (only the store's own documents carry one).</summary>
public static partial class ManifestParser
{
    internal static RouteStatus ParseRouteStatus(YamlMap status)
    {
        if (!status.Exists)
        {
            return RouteStatus.Empty;
        }

        var parents = new List<RouteParentStatus>();
        var items = status.Sequence("parents");
        for (var i = 0; i < items.Count; i++)
        {
            var item = status.Item(items[i], "parents", i);
            var parentRef = item.Map("parentRef");
            var parent = new ParentRef(parentRef.Text("name") ?? "", parentRef.Text("namespace"), parentRef.Number("port", 1, 65535));
            parentRef.Text("group");
            parentRef.Text("kind");
            parentRef.RejectUnknown();
            var controller = item.Text("controllerName") ?? RouteStatus.ControllerName;
            var conditions = new List<RouteCondition>();
            var conditionItems = item.Sequence("conditions");
            for (var c = 0; c < conditionItems.Count; c++)
            {
                var condition = item.Item(conditionItems[c], "conditions", c);
                var since = DateTimeOffset.TryParse(condition.Text("lastTransitionTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : DateTimeOffset.UnixEpoch;
                conditions.Add(new RouteCondition(
                    condition.Text("type") ?? "",
                    condition.Text("status") ?? "Unknown",
                    condition.Text("reason") ?? "",
                    condition.Text("message") ?? "",
                    long.TryParse(condition.Text("observedGeneration"), NumberStyles.None, CultureInfo.InvariantCulture, out var observed) ? observed : 0,
                    since));
                condition.RejectUnknown();
            }

            item.RejectUnknown();
            parents.Add(new RouteParentStatus(parent, controller, conditions));
        }

        status.RejectUnknown();
        return new RouteStatus(parents);
    }
}
