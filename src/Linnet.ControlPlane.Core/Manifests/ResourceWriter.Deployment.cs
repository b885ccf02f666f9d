using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>A Deployment's spec as the store keeps it.</summary>
public static partial class ResourceWriter
{
    internal static JsonObject DeploymentSpecJson(DeploymentSpec spec)
    {
        var containers = new JsonArray();
        foreach (var c in spec.Containers)
        {
            var container = new JsonObject { ["name"] = c.Name, ["image"] = c.Image };
            if (c.Init)
            {
                container["init"] = true;
            }

            containers.Add(container);
        }

        return new JsonObject { ["replicas"] = spec.Replicas, ["templateLabels"] = Map(spec.TemplateLabels), ["containers"] = containers };
    }
}
