using System.Net;
using Linnet.ControlPlane.Core.Resources;
using Linnet.Platform.Universal.Isolation;
using Linnet.Platform.Universal.Supervisor;

namespace Linnet.Platform.Universal.Tests.Supervisor;

public sealed class InstanceEnvironmentTests
{
    private static InstancePlan Plan(IReadOnlyList<EnvVar> env, IReadOnlyList<int> ports) => new(
        new InstanceKey("shop", "web", 0),
        "127.1.0.3",
        new WorkloadSpec(1, "default", "dotnet", [], env, null, ports, [], null),
        "/tmp/unused");

    private static ServiceResource Service(string name, string ns, IReadOnlyList<ServicePort> ports, Dictionary<int, int> localPorts) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Spec = new ServiceSpec(new Dictionary<string, string> { ["app"] = name }, ports),
        Status = new ServiceStatus(localPorts),
    };

    [Fact]
    public void Build_Instance_SetsAddressPortIdentityAndProxyVariables()
    {
        var env = InstanceEnvironment.Build(Plan([], [8080, 9000]), []);

        Assert.Equal("127.1.0.3", env["HOST"]);
        Assert.Equal("8080", env["PORT"]);
        Assert.Equal("127.1.0.3", env["LINNET_INSTANCE_IP"]);
        Assert.Equal("web-0", env["LINNET_INSTANCE"]);
        Assert.Equal("shop", env["LINNET_NAMESPACE"]);
        Assert.Equal("http://127.1.0.3:4140", env["HTTP_PROXY"]);
        Assert.Equal("http://127.1.0.3:4140", env["http_proxy"]);
        Assert.Equal("127.1.0.3,localhost", env["NO_PROXY"]);
        Assert.Equal("127.1.0.3,localhost", env["no_proxy"]);
    }

    [Fact]
    public void Build_IsolatedPod_NoProxyVariablesServicesOnPodLocalhostOwnHome()
    {
        var pod = new Pod("lnt-test", "vtest", IPAddress.Parse("10.253.0.3"), IPAddress.Parse("10.253.0.1"), 2200000, 2200001, "/run/linnet/x/shop/web-0", IPAddress.Parse("10.253.255.254"));
        var plan = Plan([], [8080]) with { Address = "10.253.0.3", Pod = pod };
        var services = new[] { Service("greeter", "shop", [new ServicePort("grpc", 80, 9090, "grpc")], new() { [80] = 15001 }) };

        var env = InstanceEnvironment.Build(plan, services);

        Assert.Equal("10.253.0.3", env["HOST"]);
        Assert.Equal("8080", env["PORT"]);
        Assert.Equal("127.0.0.1", env["GREETER_SERVICE_HOST"]);
        Assert.Equal("15001", env["GREETER_SERVICE_PORT"]);
        Assert.Equal("/run/linnet/x/shop/web-0/app", env["HOME"]);
        Assert.DoesNotContain(env.Keys, k => k.Contains("proxy", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Build_NoPorts_NoPortVariable()
    {
        var env = InstanceEnvironment.Build(Plan([], []), []);

        Assert.False(env.ContainsKey("PORT"));
    }

    [Fact]
    public void Build_ServicesWithLocalPorts_KubernetesStyleVariablesAtInstanceAddress()
    {
        var services = new[]
        {
            Service("greeter-api", "shop", [new ServicePort("grpc", 80, 9090, "grpc"), new ServicePort("admin-http", 81, 9091, null)], new() { [80] = 15001, [81] = 15002 }),
            Service("pending", "shop", [new ServicePort(null, 80, 8080, null)], []),
            Service("elsewhere", "other", [new ServicePort(null, 80, 8080, null)], new() { [80] = 15003 }),
        };

        var env = InstanceEnvironment.Build(Plan([], [8080]), services);

        Assert.Equal("127.1.0.3", env["GREETER_API_SERVICE_HOST"]);
        Assert.Equal("15001", env["GREETER_API_SERVICE_PORT"]);
        Assert.Equal("15001", env["GREETER_API_SERVICE_PORT_GRPC"]);
        Assert.Equal("15002", env["GREETER_API_SERVICE_PORT_ADMIN_HTTP"]);
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("PENDING_", StringComparison.Ordinal) || k.StartsWith("ELSEWHERE_", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_WorkloadEnv_KeptButCannotOverrideInstanceVariables()
    {
        var env = InstanceEnvironment.Build(Plan([new EnvVar("VERSION", "7"), new EnvVar("HOST", "0.0.0.0")], [8080]), []);

        Assert.Equal("7", env["VERSION"]);
        Assert.Equal("127.1.0.3", env["HOST"]);
    }

    [Fact]
    public void Build_MeshVariables_GivenToTheAppAndWinOverTheWorkloadsEnv()
    {
        var mesh = new Dictionary<string, string> { ["LINNET_WEBHOOK_PUBLIC_KEY"] = "MFkw" };

        var env = InstanceEnvironment.Build(Plan([new EnvVar("LINNET_WEBHOOK_PUBLIC_KEY", "forged")], [8080]), [], mesh);

        Assert.Equal("MFkw", env["LINNET_WEBHOOK_PUBLIC_KEY"]);
    }
}
