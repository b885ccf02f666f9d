using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.Platform.Universal.Tests.Supervisor;

public sealed class DemoManifestTests
{
    [Fact]
    public void Parse_DemoMesh_ServicesAndWorkloadsOfTheSamples()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Supervisor", "mesh.yaml");

        var result = ManifestParser.Parse(File.ReadAllText(path), path);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var services = result.Resources.OfType<ServiceResource>().ToDictionary(s => s.Metadata.Name);
        Assert.Equal(["backend", "greeter", "web"], services.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("grpc", services["greeter"].Spec.Ports[0].AppProtocol);
        Assert.Equal(9090, services["greeter"].Spec.Ports[0].TargetPort);
        var workloads = result.Resources.OfType<WorkloadResource>().ToDictionary(w => w.Metadata.Name);
        Assert.Equal(["backend", "greeter", "load", "web"], workloads.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, workloads["backend"].Spec.Replicas);
        Assert.All(workloads.Values, w =>
        {
            // A bare name, found by the supervisor among linnet's programs: nothing for the user to fill in.
            Assert.Equal($"linnet-sample-{w.Metadata.Name}", w.Spec.Command);
            Assert.Empty(w.Spec.Args);
            Assert.Equal(w.Metadata.Name, w.Metadata.Labels["app"]);
            // Each app its own identity, as in the Kubernetes form (kubernetes/mesh.yaml).
            Assert.Equal(w.Metadata.Name, w.Spec.ServiceAccount);
        });
    }
}
