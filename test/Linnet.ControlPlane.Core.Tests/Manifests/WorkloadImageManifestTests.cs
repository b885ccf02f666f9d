using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Tests.Manifests;

/// <summary>A Workload's <c>image</c>: validated on apply, written and read back by the store.</summary>
public sealed class WorkloadImageManifestTests
{
    [Fact]
    public void Parse_ImageWithoutCommand_AcceptedAndRoundTrips()
    {
        const string Yaml = """
            apiVersion: linnet.io/v1alpha1
            kind: Workload
            metadata: { name: web }
            spec:
              image: "127.0.0.1:5000/shop/web:1.2.3@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
              imagePullSecretFile: /etc/linnet/registry.json
              ports: [8080]
            """;

        var parsed = ManifestParser.Parse(Yaml, "test.yaml");

        Assert.Empty(parsed.Errors);
        var workload = Assert.IsType<WorkloadResource>(Assert.Single(parsed.Resources));
        Assert.Equal("", workload.Spec.Command);
        Assert.Equal("/etc/linnet/registry.json", workload.Spec.ImagePullSecretFile);
        var again = ManifestParser.Parse(ResourceWriter.ToJsonLine(workload), "store", ManifestOrigin.Store);
        Assert.Empty(again.Errors);
        Assert.Equal(workload.Spec, Assert.IsType<WorkloadResource>(Assert.Single(again.Resources)).Spec);
    }

    [Theory]
    [InlineData("image: \"Shop/Web:1\"", "spec.image", "not a valid repository name")]
    [InlineData("image: \"r.io/web@sha256:xyz\"", "spec.image", "not a sha256 digest")]
    [InlineData("image: \"r.io/web:bad tag\"", "spec.image", "not a valid tag")]
    [InlineData("{ command: /bin/true, imagePullSecretFile: /x }", "spec.imagePullSecretFile", "needs an image")]
    [InlineData("{ image: r.io/web, imagePullSecretFile: relative.json }", "spec.imagePullSecretFile", "must be an absolute path")]
    [InlineData("{ ports: [8080] }", "spec.command", "")]
    public void Parse_BadImageFields_RefusedWithPath(string spec, string path, string reason)
    {
        var yaml = $"apiVersion: linnet.io/v1alpha1\nkind: Workload\nmetadata: {{ name: web }}\nspec: " + (spec.StartsWith('{') ? spec : "{ " + spec + " }");

        var parsed = ManifestParser.Parse(yaml, "test.yaml");

        var error = Assert.Single(parsed.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Empty(parsed.Resources);
    }
}
