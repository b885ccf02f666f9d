using System.Diagnostics;
using System.Globalization;
using System.Net;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Universal.Supervisor;
using SupervisorService = Linnet.Platform.Universal.Supervisor.WorkloadSupervisor;

namespace Linnet.Platform.Universal.Tests.Supervisor;

/// <summary>The supervisor with real <c>linnet-proxy</c> processes and the real sample backend. The tests of
/// this class run one at a time (one collection), each on its own range of loopback addresses.</summary>
public sealed class SupervisorTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly string ProxyDll = Path.Combine(AppContext.BaseDirectory, "linnet-proxy.dll");
    private static readonly string BackendDll = Path.Combine(AppContext.BaseDirectory, "linnet-sample-backend.dll");

    [Fact]
    public async Task ExecuteAsync_WorkloadScaledFromTwoToOne_InstancesServeThroughTheirProxiesAndSurplusIsRemoved()
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new ScratchDirectory();
        using var store = new InMemoryResourceStore();
        using var supervisor = Create(store, data.Path, "127.77.0.1");
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        var pids = new HashSet<int>();
        await supervisor.StartAsync(ct);

        await store.CommitAsync([new PutChange(Backend(replicas: 2))], ct);
        await StoreWait.UntilAsync(store, s => Instances(s).Count(i => i.Spec.Ready) == 2, Timeout, ct);

        var running = supervisor.Instances;
        Record(pids, running);
        Assert.Equal(["backend-0", "backend-1"], running.Select(i => i.Name));
        Assert.Equal(2, running.Select(i => i.Address).Distinct().Count());
        foreach (var instance in running)
        {
            var resource = Assert.IsType<InstanceResource>(store.Find(new ResourceKey(InstanceResource.KindName, "default", instance.Name)));
            Assert.Equal(instance.Address, resource.Spec.Address);
            Assert.Equal(4143, resource.Spec.ProxyInboundPort);
            Assert.Equal("backend", resource.Metadata.Labels["app"]);
            var expected = $"backend {instance.Name} v7\n";
            Assert.Equal(expected, await http.GetStringAsync(new Uri($"http://{instance.Address}:8080/"), ct));
            Assert.Equal(expected, await http.GetStringAsync(new Uri($"http://{instance.Address}:4143/"), ct));
        }

        await store.CommitAsync([new PutChange(Backend(replicas: 1))], ct);
        await StoreWait.UntilAsync(store, s => Instances(s).Select(i => i.Metadata.Name).SequenceEqual(["backend-0"]), Timeout, ct);

        var removed = running[1];
        await WaitForExitAsync(removed.AppPid, ct);
        await WaitForExitAsync(removed.ProxyPid, ct);
        Assert.Equal($"backend backend-0 v7\n", await http.GetStringAsync(new Uri($"http://{running[0].Address}:4143/"), ct));

        await supervisor.StopAsync(ct);

        Assert.Empty(Instances(store.Snapshot()));
        Assert.Empty(supervisor.Instances);
        Assert.All(pids, pid => Assert.False(IsAlive(pid), $"pid {pid} is still running"));
    }

    [Fact]
    public async Task ExecuteAsync_AppKilled_RestartedAndReadyAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new ScratchDirectory();
        using var store = new InMemoryResourceStore();
        using var supervisor = Create(store, data.Path, "127.77.1.1");
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        var pids = new HashSet<int>();
        await supervisor.StartAsync(ct);
        await store.CommitAsync([new PutChange(Backend(replicas: 1))], ct);
        await StoreWait.UntilAsync(store, s => Instances(s).Any(i => i.Spec.Ready), Timeout, ct);
        var before = Assert.Single(supervisor.Instances);
        Record(pids, [before]);
        Assert.Equal(0, before.Restarts);
        var killed = before.AppPid ?? throw new InvalidOperationException("the app is not running");

        using (var app = Process.GetProcessById(killed))
        {
            app.Kill();
        }

        await StoreWait.UntilAsync(
            store,
            s => Instances(s).Any(i => i.Spec.Ready) && supervisor.Instances is [{ Restarts: 1, AppPid: { } pid }] && pid != killed,
            Timeout,
            ct);

        var after = Assert.Single(supervisor.Instances);
        Record(pids, [after]);
        Assert.Equal(before.Address, after.Address);
        Assert.Equal(before.ProxyPid, after.ProxyPid);
        Assert.False(IsAlive(killed));
        Assert.Equal("backend backend-0 v7\n", await http.GetStringAsync(new Uri($"http://{after.Address}:4143/"), ct));
        Assert.Contains("restart 1", await File.ReadAllTextAsync(after.AppLogPath, ct), StringComparison.Ordinal);

        await supervisor.StopAsync(ct);

        Assert.Empty(Instances(store.Snapshot()));
        Assert.All(pids, pid => Assert.False(IsAlive(pid), $"pid {pid} is still running"));
    }

    [Fact]
    public async Task ExecuteAsync_WorkloadVersionChanged_InstanceReplacedOnSameAddress()
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new ScratchDirectory();
        using var store = new InMemoryResourceStore();
        using var supervisor = Create(store, data.Path, "127.77.2.1");
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        var pids = new HashSet<int>();
        await supervisor.StartAsync(ct);
        await store.CommitAsync([new PutChange(Backend(replicas: 1))], ct);
        await StoreWait.UntilAsync(store, s => Instances(s).Any(i => i.Spec.Ready), Timeout, ct);
        var before = Assert.Single(supervisor.Instances);
        Record(pids, [before]);

        await store.CommitAsync([new PutChange(Backend(replicas: 1, version: "8"))], ct);
        await StoreWait.UntilAsync(store, s => Instances(s).Any(i => i.Spec is { Ready: true, Version: "8" }), Timeout, ct);

        var after = Assert.Single(supervisor.Instances);
        Record(pids, [after]);
        Assert.Equal(before.Address, after.Address);
        Assert.False(IsAlive(before.AppPid!.Value));
        Assert.False(IsAlive(before.ProxyPid!.Value));
        Assert.Equal("backend backend-0 v8\n", await http.GetStringAsync(new Uri($"http://{after.Address}:4143/"), ct));

        await supervisor.StopAsync(ct);

        Assert.Empty(Instances(store.Snapshot()));
        Assert.All(pids, pid => Assert.False(IsAlive(pid), $"pid {pid} is still running"));
    }

    /// <summary>With no control plane to answer, each proxy enforces the default inbound policy the supervisor wrote
    /// into its config: the Workload's <c>config.linkerd.io/default-inbound-policy</c>, else the mesh default (as the
    /// control plane's policy translator decides it). Plaintext requests get 403 from the proxy, while the app
    /// itself answers.</summary>
    [Theory]
    [InlineData("deny", null, "127.77.11.1")]
    [InlineData(null, "all-authenticated", "127.77.12.1")]
    public async Task ExecuteAsync_RestrictiveDefaultInboundPolicy_ProxyRefusesPlaintextWithoutAControlPlane(string? annotation, string? meshDefault, string firstAddress)
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new ScratchDirectory();
        using var store = new InMemoryResourceStore();
        using var supervisor = Create(store, data.Path, firstAddress, meshDefault);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        await supervisor.StartAsync(ct);
        var backend = Backend(replicas: 1);
        if (annotation is not null)
        {
            backend = backend with { Metadata = backend.Metadata with { Annotations = new Dictionary<string, string> { ["config.linkerd.io/default-inbound-policy"] = annotation } } };
        }

        await store.CommitAsync([new PutChange(backend)], ct);
        await StoreWait.UntilAsync(store, s => Instances(s).Count(i => i.Spec.Ready) == 1, Timeout, ct);
        var instance = Assert.Single(supervisor.Instances);

        Assert.Equal($"backend {instance.Name} v7\n", await http.GetStringAsync(new Uri($"http://{instance.Address}:8080/"), ct));
        using var response = await http.GetAsync(new Uri($"http://{instance.Address}:4143/"), ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains($"the default policy '{annotation ?? meshDefault}'", Assert.Single(response.Headers.GetValues("l5d-proxy-error")), StringComparison.Ordinal);

        await supervisor.StopAsync(ct);
    }

    private static WorkloadResource Backend(int replicas, string version = "7") => new()
    {
        Metadata = new ObjectMeta { Name = "backend", Labels = new Dictionary<string, string> { ["app"] = "backend" } },
        Spec = new WorkloadSpec(replicas, "default", "dotnet", [BackendDll], [new EnvVar("VERSION", version)], null, [8080], [], version),
    };

    private static IEnumerable<InstanceResource> Instances(StoreSnapshot snapshot) => snapshot.OfKind<InstanceResource>();

    private static void Record(HashSet<int> pids, IEnumerable<InstanceStatus> instances)
    {
        foreach (var instance in instances)
        {
            Assert.NotNull(instance.AppPid);
            Assert.NotNull(instance.ProxyPid);
            pids.Add(instance.AppPid.Value);
            pids.Add(instance.ProxyPid.Value);
        }
    }

    private static async Task WaitForExitAsync(int? pid, CancellationToken cancellationToken)
    {
        Assert.NotNull(pid);
        Process process;
        try
        {
            process = Process.GetProcessById(pid.Value);
        }
        catch (ArgumentException)
        {
            return;
        }

        using (process)
        {
            await process.WaitForExitAsync(cancellationToken).WaitAsync(Timeout, cancellationToken);
        }
    }

    private static bool IsAlive(int pid) => ProcessTree.Identify(pid) is not null;

    private SupervisorService Create(IResourceStore store, string dataDirectory, string firstAddress, string? defaultInboundPolicy = null) => new(
        store,
        new SupervisorOptions
        {
            DataDirectory = dataDirectory,
            ProxyCommand = ProxyDll,
            FirstAddress = IPAddress.Parse(firstAddress),
            MinRestartBackoff = TimeSpan.FromMilliseconds(200),
            DefaultInboundPolicy = defaultInboundPolicy ?? Linnet.Api.Policy.DefaultInboundPolicies.AllUnauthenticated,
        },
        TimeProvider.System,
        new TestOutputLogger<SupervisorService>(output, TimeProvider.System));
}
