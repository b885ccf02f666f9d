using System.Net;
using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Core.Resources;
using Linnet.Platform.Universal.Isolation;
using Linnet.Platform.Universal.Supervisor;
using Linnet.Proxy.Configuration;

namespace Linnet.Platform.Universal.Tests.Supervisor;

public sealed class ProxyConfigWriterTests
{
    private static readonly InstancePlan Plan = new(
        new InstanceKey("shop", "web", 1),
        "127.1.0.7",
        new WorkloadSpec(2, "default", "dotnet", ["web.dll"], [], null, [8080, 5432], [5432], "3"),
        "/tmp/unused");

    [Fact]
    public void Write_Instance_ProxyAcceptsItWithEveryListenerOnTheInstanceAddress()
    {
        var (bootstrap, services) = ConfigFileLoader.Parse(ProxyConfigWriter.Write(Plan, controlPlaneAddress: null), "proxy.yaml");

        var ip = IPAddress.Parse("127.1.0.7");
        Assert.Equal(new IPEndPoint(ip, 4143), bootstrap.InboundListen);
        Assert.Equal(new IPEndPoint(ip, 4140), bootstrap.OutboundListen);
        Assert.Equal(new IPEndPoint(ip, 4191), bootstrap.AdminListen);
        Assert.Equal("127.1.0.7", bootstrap.AppHost);
        Assert.Equal(8080, bootstrap.AppPort);
        Assert.Equal([5432], bootstrap.InboundOpaquePorts);
        Assert.Equal(new WorkloadInfo("shop", "web", "web-1"), bootstrap.Workload);
        Assert.False(bootstrap.TransparentMode);
        Assert.Null(bootstrap.ControlPlaneAddress);
        Assert.Empty(services);
    }

    [Fact]
    public void Write_Instance_ProxyEnforcesThePlansDefaultInboundPolicyUntilTheControlPlaneAnswers()
    {
        var (unset, _) = ConfigFileLoader.Parse(ProxyConfigWriter.Write(Plan, controlPlaneAddress: null), "proxy.yaml");
        var (denied, _) = ConfigFileLoader.Parse(ProxyConfigWriter.Write(Plan with { DefaultInboundPolicy = "deny" }, controlPlaneAddress: null), "proxy.yaml");

        Assert.Equal(DefaultInboundPolicy.AllUnauthenticated, unset.DefaultInboundPolicy);
        Assert.Equal(DefaultInboundPolicy.Deny, denied.DefaultInboundPolicy);
    }

    [Fact]
    public void Write_Instance_DeclaresTheWorkloadsPortsAsTheOnlyTransportHeaderTargets()
    {
        var (bootstrap, _) = ConfigFileLoader.Parse(ProxyConfigWriter.Write(Plan, controlPlaneAddress: null), "proxy.yaml");

        Assert.Equal([5432, 8080], bootstrap.AppPorts.Order());
    }

    [Fact]
    public void Write_IsolatedPod_TransparentWithOutboundOnPodLocalhostAndInboundOnPodAddress()
    {
        var pod = new Pod("lnt-test", "vtest", IPAddress.Parse("10.253.0.7"), IPAddress.Parse("10.253.0.1"), 2200000, 2200001, "/run/linnet/x/shop/web-1", IPAddress.Parse("10.253.255.254"));
        var plan = new InstancePlan(Plan.Key, "10.253.0.7", Plan.Spec, "/tmp/unused") { Pod = pod, ControlPlaneAddress = "10.253.0.1:8086" };

        // No control plane here: since the control plane speaks TLS, a proxy config naming one needs an identity section.
        var (bootstrap, _) = ConfigFileLoader.Parse(ProxyConfigWriter.Write(plan, controlPlaneAddress: null), "proxy.yaml");

        var ip = IPAddress.Parse("10.253.0.7");
        Assert.True(bootstrap.TransparentMode);
        Assert.Equal(new IPEndPoint(ip, 4143), bootstrap.InboundListen);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 4140), bootstrap.OutboundListen);
        Assert.Equal(new IPEndPoint(ip, 4191), bootstrap.AdminListen);
        Assert.Equal("10.253.0.7", bootstrap.AppHost);
        Assert.Equal("/run/linnet/x/shop/web-1/proxy.yaml", plan.ProxyConfigPath);
        Assert.Equal("/run/linnet/x/shop/web-1/token", plan.TokenPath);
        Assert.Equal("/run/linnet/x/shop/web-1/app", plan.WorkingDirectory);
    }

    [Fact]
    public void Write_ControlPlaneAddress_ProxyTakesServicesFromItAndVerifiesItsIdentity()
    {
        var directory = Directory.CreateTempSubdirectory("linnet-writer-");
        try
        {
            using var mesh = MeshIdentity.Load(new IdentityOptions(), "mesh.example", TimeProvider.System);
            var plan = Plan with { Directory = directory.FullName };
            var identity = new InstanceIdentity(mesh, "127.0.0.1:8086");
            identity.WriteFiles(plan);

            var (bootstrap, services) = ConfigFileLoader.Parse(ProxyConfigWriter.Write(plan, "127.0.0.1:8086", identity), "proxy.yaml");

            Assert.Equal("127.0.0.1:8086", bootstrap.ControlPlaneAddress);
            Assert.Equal("spiffe://mesh.example/ns/linnet/sa/control-plane", bootstrap.ControlPlaneIdentity);
            Assert.Equal(mesh.TrustAnchorsPem, bootstrap.Identity!.TrustAnchorsPem);
            Assert.Empty(services);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
