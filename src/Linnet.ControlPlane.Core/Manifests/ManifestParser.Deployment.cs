using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>A Deployment as the store keeps it (the Kubernetes platform writes it; it is never applied).</summary>
public static partial class ManifestParser
{
    internal static DeploymentSpec ParseDeploymentSpec(YamlMap spec)
    {
        var containers = new List<DeploymentContainer>();
        var items = spec.Sequence("containers");
        for (var i = 0; i < items.Count; i++)
        {
            var item = spec.Item(items[i], "containers", i);
            containers.Add(new DeploymentContainer(item.Text("name", required: true) ?? "", item.Text("image", required: true) ?? "", item.Bool("init") ?? false));
            item.RejectUnknown();
        }

        var result = new DeploymentSpec(spec.Number("replicas", 0, int.MaxValue) ?? 1, spec.StringMap("templateLabels"), containers);
        spec.RejectUnknown();
        return result;
    }
}
