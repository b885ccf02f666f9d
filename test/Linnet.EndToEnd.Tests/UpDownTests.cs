using System.Globalization;
using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary><c>linnet up</c> in the background and <c>linnet down</c>.</summary>
public sealed class UpDownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Down_StopsEverything()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = Mesh.Create(output);
        var file = Path.Combine(Path.GetTempPath(), $"linnet-e2e-{Guid.NewGuid():N}-mesh.yaml");
        await File.WriteAllTextAsync(file, Manifests.Join(Manifests.Service("backend", "{ app: backend }"), Manifests.Backend("backend", 3, "{ app: backend }", "1")), ct);
        try
        {
            var up = await mesh.RunCliAsync(ct, "up", "-f", file, "--grpc-listen", mesh.GrpcListen, "--first-address", mesh.FirstAddress, "--isolation", "off");
            Assert.True(up.ExitCode == 0, up.Output);
            var instances = await mesh.WaitForInstancesAsync(3, ct);
            Assert.All(instances, i => Assert.StartsWith(mesh.FirstAddress[..mesh.FirstAddress.LastIndexOf('.')], i.Address, StringComparison.Ordinal));
            var controlPlane = int.Parse((await File.ReadAllTextAsync(Path.Combine(mesh.DataDirectory, "control-plane.pid"), ct)).Split(' ')[0], CultureInfo.InvariantCulture);
            var running = ProcessScan.Using(mesh.DataDirectory).Select(p => p.Pid).ToList();
            Assert.Contains(controlPlane, running);
            Assert.Equal(7, running.Count); // the control plane, and a proxy and an app per instance

            // linnet down exits 0 and, within a bounded time, no process of the mesh is left.
            await mesh.DownAsync(ct);

            Assert.DoesNotContain(running, ProcessScan.IsAlive);
            Assert.Null(await mesh.RevisionOrNullAsync(ct));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
