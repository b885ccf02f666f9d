using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>The status fields of manual commands and of the previous primary kept warm.</summary>
public static partial class ResourceWriter
{
    private static void AddCanaryOpsStatus(JsonObject result, CanaryStatus status)
    {
        if (status.Paused)
        {
            result["paused"] = true;
        }

        if (status.Command is { } c)
        {
            result["command"] = new JsonObject { ["action"] = c.Action, ["by"] = c.By, ["at"] = Time(c.At), ["outcome"] = c.Outcome, ["message"] = c.Message };
        }

        if (status.Standby is { } s)
        {
            var standby = new JsonObject { ["spec"] = s.Spec, ["serving"] = s.Serving };
            if (s.Until is { } until)
            {
                standby["until"] = Time(until);
            }

            if (s.Weight is { } weight)
            {
                standby["weight"] = weight;
            }

            result["standby"] = standby;
        }
    }
}
