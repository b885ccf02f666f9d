using Linnet.ControlPlane.Core.Resources;
using Linnet.Platform.Universal.Images;
using Linnet.Registry;

namespace Linnet.Platform.Universal.Tests.Images;

/// <summary>Which program an image instance runs: Kubernetes' documented rules for command/args over the image's
/// Entrypoint/Cmd ("Define a Command and Arguments for a Container": command replaces Entrypoint and drops Cmd;
/// args alone replace Cmd), paths mapped under the unpacked root, the image's env under the instance's.</summary>
public sealed class ImageLaunchTests
{
    private static readonly ContentDigest Digest = ContentDigest.Of([1, 2, 3]);

    [Theory]
    [InlineData("", "", "/rootfs/bin/entry", "e1 c1")]           // image defaults: Entrypoint + Cmd
    [InlineData("", "a1", "/rootfs/bin/entry", "e1 a1")]         // args replace Cmd
    [InlineData("/bin/other", "", "/rootfs/bin/other", "")]      // command replaces Entrypoint, Cmd dropped
    [InlineData("/bin/other", "a1", "/rootfs/bin/other", "a1")]  // both given: the image's are ignored
    public void Build_CommandAndArgs_KubernetesRules(string command, string args, string program, string arguments)
    {
        var image = new ResolvedImage("r/x:1", Digest, "/rootfs", new ImageConfig(["/bin/entry", "e1"], ["c1"], ["PATH=/usr/bin:/bin", "A=image", "B=image"], "/srv", ""));
        var spec = new WorkloadSpec(1, "default", command, args.Length == 0 ? [] : args.Split(' '), [], null, [8080], [], null) { Image = "r/x:1" };

        var launch = ImageLaunch.Build(image, spec, new Dictionary<string, string> { ["B"] = "instance", ["PORT"] = "8080" });

        Assert.Equal(program, launch.FileName);
        Assert.Equal(arguments, string.Join(' ', launch.Arguments));
        Assert.Equal("/rootfs/srv", launch.WorkingDirectory);
        Assert.Equal("image", launch.Environment["A"]);
        Assert.Equal("instance", launch.Environment["B"]);
        Assert.StartsWith("/rootfs/usr/bin:/rootfs/bin:", launch.Environment["PATH"], StringComparison.Ordinal);
    }

    [Fact]
    public void Build_NothingToRun_Refused()
    {
        var image = new ResolvedImage("r/x:1", Digest, "/rootfs", new ImageConfig([], [], [], "", ""));
        var spec = new WorkloadSpec(1, "default", "", [], [], null, [], [], null) { Image = "r/x:1" };

        var error = Assert.Throws<InvalidOperationException>(() => ImageLaunch.Build(image, spec, new Dictionary<string, string>()));

        Assert.Contains("has no entrypoint or cmd", error.Message, StringComparison.Ordinal);
    }
}
