using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Core.Resources;
using Linnet.Platform.Universal.Supervisor;
using Linnet.Proxy.Configuration;

namespace Linnet.Platform.Universal.Tests.Supervisor;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class InstanceIdentityTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();
    private readonly MeshIdentity _mesh = MeshIdentity.Load(new IdentityOptions(), "cluster.local", TimeProvider.System);

    public void Dispose()
    {
        _mesh.Dispose();
        _scratch.Dispose();
    }

    [Fact]
    public void WriteFilesAndConfig_StrictWorkload_ProxyParsesIdentityAndTokenProvesIt()
    {
        var plan = new InstancePlan(
            new InstanceKey("shop", "web", 0),
            "127.1.0.7",
            new WorkloadSpec(1, "web-sa", "dotnet", ["web.dll"], [], null, [8080], [], null),
            _scratch.Path) { InboundTls = InstanceIdentity.Strict };
        var identity = new InstanceIdentity(_mesh, "127.0.0.1:8086");

        identity.WriteFiles(plan);
        var (bootstrap, _) = ConfigFileLoader.Parse(ProxyConfigWriter.Write(plan, "127.0.0.1:8086", identity), "proxy.yaml");

        Assert.Equal(InboundTlsMode.Strict, bootstrap.InboundTls);
        Assert.Equal("spiffe://cluster.local/ns/shop/sa/web-sa", bootstrap.Identity!.Name);
        Assert.Equal(_mesh.TrustAnchorsPem, bootstrap.Identity.TrustAnchorsPem);
        Assert.Equal("127.0.0.1:8086", bootstrap.Identity.CaAddress);
        Assert.Equal(plan.TokenPath, bootstrap.Identity.TokenPath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(plan.TokenPath));
        var claims = _mesh.Tokens.Validate(File.ReadAllText(plan.TokenPath)).Claims!;
        Assert.Equal(("shop", "web-sa"), (claims.Namespace, claims.ServiceAccount));
    }

    [Theory]
    [InlineData(null, "permissive")]
    [InlineData("strict", "strict")]
    [InlineData("Strict", "strict")]
    [InlineData("permissive", "permissive")]
    [InlineData("bogus", "permissive")]
    public void InboundTlsOf_Annotation_Mode(string? annotation, string expected)
    {
        var workload = new WorkloadResource
        {
            Metadata = new ObjectMeta
            {
                Name = "web",
                Namespace = "shop",
                Annotations = annotation is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [InstanceIdentity.InboundTlsAnnotation] = annotation },
            },
            Spec = new WorkloadSpec(1, "default", "dotnet", [], [], null, [8080], [], null),
        };

        Assert.Equal(expected, InstanceIdentity.InboundTlsOf(workload));
    }
}
