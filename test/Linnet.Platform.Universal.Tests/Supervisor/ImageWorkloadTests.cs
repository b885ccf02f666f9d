using System.Net;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Universal.Supervisor;
using Linnet.Registry.Tests.Infrastructure;
using SupervisorService = Linnet.Platform.Universal.Supervisor.WorkloadSupervisor;

namespace Linnet.Platform.Universal.Tests.Supervisor;

/// <summary>Workloads that name an OCI image: pulled from a real registry on loopback, unpacked, and the image's
/// entrypoint run with its environment and working directory beside a real proxy.</summary>
public sealed class ImageWorkloadTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly string ProxyDll = Path.Combine(AppContext.BaseDirectory, "linnet-proxy.dll");

    [Fact]
    public async Task ExecuteAsync_ImageWorkload_RunsImageEntrypointOneDigestPerSpecAndMovesOnNewImage()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var registry = await RegistryServer.StartAsync();
        var v1 = WebImage("one");
        var v1Moved = WebImage("one-repushed");
        var v2 = WebImage("two");
        using var pusher = new RegistryPusher(registry.BaseUri);
        await pusher.PushAsync("shop/web", "1.0.0", v1);
        await pusher.PushAsync("shop/web", "2.0.0", v2);
        using var data = new ScratchDirectory();
        using var store = new InMemoryResourceStore();
        using var supervisor = new SupervisorService(
            store,
            new SupervisorOptions { DataDirectory = data.Path, ProxyCommand = ProxyDll, FirstAddress = IPAddress.Parse("127.77.9.1"), MinRestartBackoff = TimeSpan.FromMilliseconds(200) },
            TimeProvider.System,
            new TestOutputLogger<SupervisorService>(output, TimeProvider.System));
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        await supervisor.StartAsync(ct);

        await store.CommitAsync([new PutChange(Web($"{registry.Host}/shop/web:1.0.0", replicas: 1))], ct);
        await StoreWait.UntilAsync(store, s => s.OfKind<InstanceResource>().Any(i => i.Spec.Ready), Timeout, ct);

        var first = Assert.Single(supervisor.Instances);
        Assert.Equal("image one\n", await http.GetStringAsync(new Uri($"http://{first.Address}:8080/message.txt"), ct));
        Assert.Equal("image one\n", await http.GetStringAsync(new Uri($"http://{first.Address}:4143/message.txt"), ct));
        var log = await File.ReadAllTextAsync(first.AppLogPath, ct);
        Assert.Contains("greeting=one", log, StringComparison.Ordinal);
        Assert.Matches("cwd=.*/images/rootfs/[0-9a-f]{64}/app", log);
        var resource = Instance(store, "web-0");
        Assert.Equal($"{registry.Host}/shop/web:1.0.0", resource.Spec.Image);
        Assert.Equal(v1.Digest, resource.Spec.ImageDigest);

        // The tag moves; the spec does not: a new replica runs the digest the spec resolved to, not the new one.
        await pusher.PushAsync("shop/web", "1.0.0", v1Moved);
        await store.CommitAsync([new PutChange(Web($"{registry.Host}/shop/web:1.0.0", replicas: 2))], ct);
        await StoreWait.UntilAsync(store, s => s.OfKind<InstanceResource>().Count(i => i.Spec.Ready) == 2, Timeout, ct);
        Assert.All(store.Snapshot().OfKind<InstanceResource>(), i => Assert.Equal(v1.Digest, i.Spec.ImageDigest));
        Assert.Equal(first.AppPid, supervisor.Instances[0].AppPid);

        // A new image: every instance replaced on its address, running the new program.
        await store.CommitAsync([new PutChange(Web($"{registry.Host}/shop/web:2.0.0", replicas: 2))], ct);
        await StoreWait.UntilAsync(store, s => s.OfKind<InstanceResource>().Count(i => i.Spec.Ready && i.Spec.ImageDigest == v2.Digest) == 2, Timeout, ct);
        foreach (var instance in supervisor.Instances)
        {
            Assert.Equal("image two\n", await http.GetStringAsync(new Uri($"http://{instance.Address}:8080/message.txt"), ct));
        }

        Assert.Equal(first.Address, supervisor.Instances[0].Address);
        await supervisor.StopAsync(ct);
    }

    [Fact]
    public async Task ExecuteAsync_LargeLayerCaughtMidway_InstanceReportsProgressThenCompletionThenRunsTheDigest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var registry = await RegistryServer.StartAsync();
        await using var front = await FaultFront.StartAsync(registry.BaseUri);
        var image = WebImage("large", padding: 3_000_000);
        var layer = image.Layers[0];
        using var pusher = new RegistryPusher(registry.BaseUri);
        await pusher.PushAsync("shop/web", "1.0.0", image);

        // The registry sends the first MiB of the layer, then holds the rest until the test has seen the report.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int held = 1024 * 1024;
        front.HoldOnce = (TestImage.DigestOf(layer), held, release.Task);
        using var data = new ScratchDirectory();
        using var store = new InMemoryResourceStore();
        using var supervisor = new SupervisorService(
            store,
            new SupervisorOptions { DataDirectory = data.Path, ProxyCommand = ProxyDll, FirstAddress = IPAddress.Parse("127.77.10.1"), MinRestartBackoff = TimeSpan.FromMilliseconds(200) },
            TimeProvider.System,
            new TestOutputLogger<SupervisorService>(output, TimeProvider.System));
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };

        // Every version of web-0 the store holds, in order, from before the workload exists.
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var history = new List<InstanceSpec>();
        var from = store.Snapshot().Revision;
        var watch = Task.Run(async () =>
        {
            try
            {
                await foreach (var change in store.WatchAsync(from, watching.Token))
                {
                    if (change.Resource is InstanceResource { Metadata.Name: "web-0" } instance)
                    {
                        lock (history)
                        {
                            history.Add(instance.Spec);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (watching.IsCancellationRequested)
            {
                // Done watching.
            }
        }, ct);
        await supervisor.StartAsync(ct);
        await store.CommitAsync([new PutChange(Web($"{front.Host}/shop/web:1.0.0", replicas: 1))], ct);

        // Midway: web-0 waits for its image, not ready and without an address, its pull reporting part of the layer
        // (the client reports every 256 KiB, so some of the held MiB, and never more than was sent).
        await StoreWait.UntilAsync(store, s => s.Resources.GetValueOrDefault(InstanceKey("web-0")) is InstanceResource { Spec.Pull.BytesDone: > 0 }, Timeout, ct);
        var midway = Instance(store, "web-0").Spec;
        Assert.False(midway.Ready);
        Assert.Equal("", midway.Address);
        Assert.Equal($"{front.Host}/shop/web:1.0.0", midway.Image);
        Assert.Null(midway.ImageDigest);
        Assert.Equal(new ImagePull($"{front.Host}/shop/web:1.0.0", 0, 1, midway.Pull!.BytesDone, layer.Length), midway.Pull);
        Assert.InRange(midway.Pull.BytesDone, 1, held);

        // Released: the pull completes, is reported complete, and the instance then runs the image's digest.
        release.SetResult();
        await StoreWait.UntilAsync(store, s => s.Resources.GetValueOrDefault(InstanceKey("web-0")) is InstanceResource { Spec: { Ready: true, Pull: null } } i && i.Spec.ImageDigest == image.Digest, Timeout, ct);
        Assert.Equal("image large\n", await http.GetStringAsync(new Uri($"http://{Instance(store, "web-0").Spec.Address}:8080/message.txt"), ct));
        await supervisor.StopAsync(ct);
        await watching.CancelAsync();
        await watch;

        List<InstanceSpec> seen;
        lock (history)
        {
            seen = [.. history];
        }

        var intermediate = seen.FindIndex(i => i.Pull is { LayersDone: 0, Layers: 1 } p && p.BytesDone > 0 && p.BytesDone < p.BytesTotal);
        var complete = seen.FindIndex(i => i.Pull == new ImagePull($"{front.Host}/shop/web:1.0.0", 1, 1, layer.Length, layer.Length));
        var running = seen.FindIndex(i => i.Pull is null && i.ImageDigest == image.Digest);
        Assert.True(intermediate >= 0 && complete > intermediate && running > complete,
            $"expected progress, then completion, then the running digest; saw:\n{string.Join('\n', seen.Select(i => $"{i.Address} ready={i.Ready} digest={i.ImageDigest} pull={i.Pull}"))}");
        Assert.All(seen.Take(running), i => Assert.False(i.Ready));
    }

    private static TestImage WebImage(string message, int padding = 0) => TestImage.Build(
        [new Dictionary<string, (string, UnixFileMode)>
        {
            ["app/run.sh"] = ("#!/bin/sh\necho \"greeting=$GREETING cwd=$PWD\"\nexec /usr/bin/python3 -m http.server \"$PORT\" --bind \"$HOST\" --directory www\n", (UnixFileMode)0b111_101_101),
            ["app/www/message.txt"] = ($"image {message}\n", (UnixFileMode)0b110_100_100),
            ["app/padding.bin"] = (Padding(padding), (UnixFileMode)0b110_100_100),
        }],
        ["/app/run.sh"], [], ["GREETING=" + message], "/app");

    private static WorkloadResource Web(string image, int replicas) => new()
    {
        Metadata = new ObjectMeta { Name = "web", Labels = new Dictionary<string, string> { ["app"] = "web" } },
        Spec = new WorkloadSpec(replicas, "default", "", [], [], null, [8080], [], null) { Image = image },
    };

    // Text that gzip cannot shrink much, so the layer is about as large as asked.
    private static string Padding(int length) =>
        length == 0 ? "" : Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(length))[..length];

    private static ResourceKey InstanceKey(string name) => new(InstanceResource.KindName, "default", name);

    private static InstanceResource Instance(InMemoryResourceStore store, string name) =>
        Assert.IsType<InstanceResource>(store.Find(new ResourceKey(InstanceResource.KindName, "default", name)));
}
