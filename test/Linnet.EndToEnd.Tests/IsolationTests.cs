using System.Globalization;
using System.Net;
using Linnet.EndToEnd.Tests.Infrastructure;
using Linnet.Registry.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>Isolated instances (issue 10): as root each instance is a pod — its own network namespace and address
/// from the mesh's range, iptables sending its traffic through its proxy, its app and proxy under uids of their own —
/// and nothing of it is left once it is gone. Each test has its own pod range and data directory; they run one at
/// a time (a demo mesh is five instances, ten processes).</summary>
[Collection(nameof(IsolationTests))]
public sealed class IsolationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan RawTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Demo_Isolated_AppsWithoutHttpProxyCallThroughTheirProxiesOverMtls()
    {
        Pods.Require();
        var ct = TestContext.Current.CancellationToken;
        var network = Pods.PickNetwork();
        await using var mesh = await Mesh.StartAsync(output, ["--isolation", "on", "--pod-network", network.ToString()], ct);
        // The demo's manifest as shipped: bare commands, found among the programs beside linnet.
        var demo = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "demo", "mesh.yaml"), ct);
        await mesh.ApplyAsync(demo, ct);
        var instances = await mesh.WaitForInstancesAsync(5, ct);
        Assert.All(instances, i => Assert.True(network.Contains(IPAddress.Parse(i.Address)), $"{i.Name} is on {i.Address}, outside {network}"));
        var web = instances.Single(i => i.Workload == "web").Address;
        var pods = instances.ToDictionary(i => i.Name, i => Pods.NamespaceOf(i.Address) ?? throw new InvalidOperationException($"no namespace holds {i.Address}"));
        Assert.Equal(5, pods.Values.Select(p => p.Name).Distinct().Count());

        // The web app: in its pod, as an unprivileged uid of its own, and told of no proxy at all.
        var inWeb = Pods.ProcessesIn(pods["web-0"].Id);
        var app = inWeb.Single(p => p.CommandLine.Contains("linnet-sample-web", StringComparison.Ordinal));
        var proxy = inWeb.Single(p => p.CommandLine.Contains("linnet-proxy", StringComparison.Ordinal));
        var environment = Pods.EnvironmentOf(app.Pid);
        Assert.DoesNotContain(environment.Keys, k => k.Equals("HTTP_PROXY", StringComparison.OrdinalIgnoreCase) || k.Equals("HTTPS_PROXY", StringComparison.OrdinalIgnoreCase));
        var (appUid, proxyUid) = (Pods.Uid(app.Pid), Pods.Uid(proxy.Pid));
        Assert.NotEqual(0, appUid);
        Assert.NotEqual(0, proxyUid);
        Assert.NotEqual(appUid, proxyUid);

        // From the host, a request to web's app port is redirected into web's proxy; web calls http://backend/ by
        // name and the greeter, both through web's proxy.
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(15) };
        var body = "";
        await Eventually.UntilAsync(
            async () => (body = await TryGetAsync(http, new Uri($"http://{web}:8080/"), ct)).Contains("backend: backend backend-", StringComparison.Ordinal)
                && body.Contains("greeter: hello", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            "web answers with the backend's and the greeter's replies",
            ct,
            () => body);

        // Those calls crossed the mesh over mTLS: web's proxy saw them outbound to backend with the server's proven
        // identity, the backends' proxies inbound with web's.
        // Each app runs as its own service account (the demo's manifest gives each one).
        var backendIdentity = "spiffe://cluster.local/ns/default/sa/backend";
        var webIdentity = "spiffe://cluster.local/ns/default/sa/web";
        var webMetrics = await MetricsScrape.ReadWhenAsync(http, web,
            m => m.Sum("response_total", "direction=\"outbound\"", "authority=\"backend", "tls=\"true\"", $"server_id=\"{backendIdentity}\"", "status_code=\"200\"") >= 1,
            "web's mTLS calls to backend", ct);
        Assert.Empty(webMetrics.Series("request_total", "direction=\"outbound\"", "authority=\"backend", "tls=\"no_identity\""));
        var backendInbound = 0.0;
        foreach (var backend in instances.Where(i => i.Workload == "backend"))
        {
            backendInbound += (await MetricsScrape.ReadAsync(http, backend.Address, ct)).Sum("request_total", "direction=\"inbound\"", "tls=\"true\"", $"client_id=\"{webIdentity}\"");
        }

        Assert.True(backendInbound >= 1, "the backends' proxies counted no mTLS request from web");

        await mesh.DownAsync(ct);
        AssertNothingLeft(network, pods.Values);
    }

    [Fact]
    public async Task Isolated_OutsideProcessAndWorkload_CannotReachAppPortOrOutboundOrReadSecrets()
    {
        Pods.Require();
        var ct = TestContext.Current.CancellationToken;
        var network = Pods.PickNetwork();
        await using var mesh = await Mesh.StartAsync(output, ["--isolation", "on", "--pod-network", network.ToString()], ct);
        await mesh.ApplyAsync(Manifests.Join(MeshedWorkloads.Service("vault"), MeshedWorkloads.Workload("vault", "vault", inboundTls: "strict", logRequests: true)), ct);
        var vault = (await mesh.WaitForInstancesAsync(1, ct)).Single().Address;
        var vaultPod = Pods.NamespaceOf(vault) ?? throw new InvalidOperationException($"no namespace holds {vault}");
        var vaultProxy = Pods.ProcessesIn(vaultPod.Id).Single(p => p.CommandLine.Contains("linnet-proxy", StringComparison.Ordinal));
        var vaultConfig = vaultProxy.CommandLine.Split(' ').SkipWhile(a => a != "--config").Skip(1).First();
        var vaultToken = Path.Combine(Path.GetDirectoryName(vaultConfig)!, "token");
        Assert.True(File.Exists(vaultToken), $"vault's proxy reads its token at {vaultToken}");
        var issuerKey = Path.Combine(mesh.DataDirectory, "identity", "issuer.key");
        Assert.True(File.Exists(issuerKey), $"the CA's key is at {issuerKey}");

        // A workload that tries to read the CA's key and vault's token, then idles.
        var probe = string.Create(CultureInfo.InvariantCulture, $$"""
            apiVersion: linnet.io/v1alpha1
            kind: Workload
            metadata: { name: snoop, labels: { app: snoop } }
            spec:
              replicas: 1
              serviceAccount: snoop
              command: /bin/sh
              args: ["-c", "for f in {{issuerKey}} {{vaultToken}}; do if cat $f >/dev/null 2>&1; then echo read $f; else echo denied $f; fi; done; exec sleep 600"]

            """);
        await mesh.ApplyAsync(probe, ct);
        await mesh.WaitForInstancesAsync(2, ct);
        var log = await MeshedWorkloads.AppLogWithAsync(mesh, "snoop-0", $"denied {vaultToken}", 1, ct);
        Assert.Equal(1, MeshedWorkloads.CountLines(log, $"denied {issuerKey}"));
        Assert.Equal(0, MeshedWorkloads.CountLines(log, $"read {issuerKey}"));
        Assert.Equal(0, MeshedWorkloads.CountLines(log, $"read {vaultToken}"));

        // The host is outside every pod: vault's app port and its 4140 both land on its strict inbound, which refuses
        // plaintext; the app never sees either.
        var (toApp, _) = await RawHttp.ExchangeAsync(vault, 8080, "vault", "/?from=host", RawTimeout, ct);
        var (toOutbound, _) = await RawHttp.ExchangeAsync(vault, 4140, "vault", "/?from=host-outbound", RawTimeout, ct);
        Assert.Equal("", toApp);
        Assert.Equal("", toOutbound);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(15) };
        var metrics = await MetricsScrape.ReadWhenAsync(http, vault, m => m.Sum("proxy_error_total", "reason=\"plaintext_refused\"") >= 2, "both refusals", ct);
        Assert.Equal(0, metrics.Sum("request_total", "direction=\"outbound\""));
        Assert.DoesNotContain("from=host", MeshedWorkloads.AppLog(mesh, "vault-0"), StringComparison.Ordinal);

        await mesh.DownAsync(ct);
        AssertNothingLeft(network, [vaultPod]);
    }

    [Fact]
    public async Task Isolated_ControlPlaneKilledAndRestarted_StalePodReplacedAndNothingLeftAfterDown()
    {
        Pods.Require();
        var ct = TestContext.Current.CancellationToken;
        var network = Pods.PickNetwork();
        await using var mesh = await Mesh.StartAsync(output, ["--isolation", "on", "--pod-network", network.ToString()], ct);
        await mesh.ApplyAsync(Manifests.Join(MeshedWorkloads.Service("solo"), MeshedWorkloads.Workload("solo", "solo")), ct);
        var before = (await mesh.WaitForInstancesAsync(1, ct)).Single();
        var oldPod = Pods.NamespaceOf(before.Address) ?? throw new InvalidOperationException($"no namespace holds {before.Address}");
        var oldProcesses = Pods.ProcessesIn(oldPod.Id);
        Assert.Equal(2, oldProcesses.Count);

        await mesh.KillControlPlaneAsync(ct);
        await mesh.StartControlPlaneAsync(ct);
        // The earlier run's Instance (still ready in the store until the new supervisor deletes it) does not count.
        var after = (await mesh.WaitForInstancesAsync(1, ct, i => i.ResourceVersion > before.ResourceVersion)).Single();
        var newPod = Pods.NamespaceOf(after.Address) ?? throw new InvalidOperationException($"no namespace holds {after.Address}");

        // The earlier run's pod is gone with its processes; the instance runs in a fresh one. (The kernel reuses a freed
        // namespace's inode number, so the new pod may well carry the old one's id: it is told apart by its processes.)
        Assert.All(oldProcesses, p => Assert.False(ProcessScan.IsAlive(p.Pid), $"{p.Pid} {p.CommandLine} outlived its control plane's restart"));
        var newProcesses = Pods.ProcessesIn(newPod.Id);
        Assert.Equal(2, newProcesses.Count);
        Assert.Empty(newProcesses.Select(p => p.Pid).Intersect(oldProcesses.Select(p => p.Pid)));
        Assert.Single(Pods.HostInterfacesIn(network));
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(15) };
        Assert.Contains("backend solo-0", await TryGetAsync(http, new Uri($"http://{after.Address}:8080/"), ct), StringComparison.Ordinal);

        await mesh.DownAsync(ct);
        AssertNothingLeft(network, [oldPod, newPod]);
    }

    [Fact]
    public async Task Isolated_OtherMeshSigkilled_NextMeshReapsItsPodsAndLeavesALiveMeshsAlone()
    {
        Pods.Require();
        var ct = TestContext.Current.CancellationToken;
        var networks = Pods.PickNetworks(3);
        var (deadNetwork, liveNetwork, nextNetwork) = (networks[0], networks[1], networks[2]);
        var workload = Manifests.Join(MeshedWorkloads.Service("solo"), MeshedWorkloads.Workload("solo", "solo"));
        await using var dead = await Mesh.StartAsync(output, ["--isolation", "on", "--pod-network", deadNetwork.ToString()], ct);
        await dead.ApplyAsync(workload, ct);
        var deadPod = Pods.NamespaceOf((await dead.WaitForInstancesAsync(1, ct)).Single().Address) ?? throw new InvalidOperationException("the dead mesh's pod has no namespace");
        var deadProcesses = Pods.ProcessesIn(deadPod.Id);
        Assert.Equal(2, deadProcesses.Count);
        await using var live = await Mesh.StartAsync(output, ["--isolation", "on", "--pod-network", liveNetwork.ToString()], ct);
        await live.ApplyAsync(workload, ct);
        var liveInstance = (await live.WaitForInstancesAsync(1, ct)).Single();
        var livePod = Pods.NamespaceOf(liveInstance.Address) ?? throw new InvalidOperationException("the live mesh's pod has no namespace");
        var liveInterfaces = Pods.HostInterfacesIn(liveNetwork);

        // SIGKILL: no clean-up runs, the app and proxy stay in their pod, the bridge and veth on the host.
        await dead.KillControlPlaneAsync(ct);
        Assert.Equal(2, Pods.ProcessesIn(deadPod.Id).Count);
        var deadBridge = Assert.Single(Pods.HostInterfacesIn(deadNetwork)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var deadHash = deadBridge["lnt".Length..^"br".Length];
        Assert.Contains(HostLinks(), l => l.StartsWith($"v{deadHash}", StringComparison.Ordinal));

        // Any mesh starting on the host finds the dead one's owner lock free and removes what it left.
        await using var next = await Mesh.StartAsync(output, ["--isolation", "on", "--pod-network", nextNetwork.ToString()], ct);

        AssertNothingLeft(deadNetwork, [deadPod]);
        Assert.DoesNotContain(HostLinks(), l => l == deadBridge || l.StartsWith($"v{deadHash}", StringComparison.Ordinal));
        Assert.False(Directory.Exists($"/run/linnet/{deadHash}"), "the dead mesh's pod folders are left");
        Assert.All(deadProcesses, p => Assert.False(ProcessScan.IsAlive(p.Pid), $"{p.Pid} {p.CommandLine} outlived its mesh's reaping"));
        Assert.Contains(livePod.Name, Pods.Namespaces());
        Assert.Equal(2, Pods.ProcessesIn(livePod.Id).Count);
        Assert.Equal(liveInterfaces, Pods.HostInterfacesIn(liveNetwork));
        // The live pod's proxy-init rules are still there, and its app still answers through them.
        Assert.Contains("REDIRECT", Pods.Run("ip", "netns", "exec", livePod.Name, "iptables", "-w", "-t", "nat", "-S").Output, StringComparison.Ordinal);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(15) };
        Assert.Contains("backend solo-0", await TryGetAsync(http, new Uri($"http://{liveInstance.Address}:8080/"), ct), StringComparison.Ordinal);

        await next.DownAsync(ct);
        await live.DownAsync(ct);
        AssertNothingLeft(liveNetwork, [livePod]);
    }

    [Fact]
    public async Task Isolated_ImageWorkloads_RunTheirProgramAsTheirUidInTheirPodAndCannotReadEachOthersImage()
    {
        Pods.Require();
        var ct = TestContext.Current.CancellationToken;
        var network = Pods.PickNetwork();
        await using var registry = await RegistryServer.StartAsync();
        using var pusher = new RegistryPusher(registry.BaseUri);
        await pusher.PushAsync("shop/alpha", "1.0.0", SecretImage("alpha-secret"));
        await pusher.PushAsync("shop/beta", "1.0.0", SecretImage("beta-secret"));
        await using var mesh = await Mesh.StartAsync(output, ["--isolation", "on", "--pod-network", network.ToString()], ct);
        await mesh.ApplyAsync(ImageWorkload("alpha", $"{registry.Host}/shop/alpha:1.0.0", peek: null), ct);
        var alpha = (await mesh.WaitForInstancesAsync(1, ct)).Single();
        var alphaPod = Pods.NamespaceOf(alpha.Address) ?? throw new InvalidOperationException($"no namespace holds {alpha.Address}");

        // The image's program (its run.sh, exec'd into the host's python3) runs in alpha's pod, as alpha's app uid,
        // from alpha's own copy of the image: a folder only that uid may enter.
        var inAlpha = Pods.ProcessesIn(alphaPod.Id);
        var alphaApp = inAlpha.Single(p => p.CommandLine.Contains("http.server", StringComparison.Ordinal));
        var alphaProxy = inAlpha.Single(p => p.CommandLine.Contains("linnet-proxy", StringComparison.Ordinal));
        var alphaUid = Pods.Uid(alphaApp.Pid);
        Assert.NotEqual(0, alphaUid);
        Assert.NotEqual(Pods.Uid(alphaProxy.Pid), alphaUid);
        var podDirectory = Path.GetDirectoryName(alphaProxy.CommandLine.Split(' ').SkipWhile(a => a != "--config").Skip(1).First())!;
        var alphaRoot = Path.Combine(podDirectory, "rootfs");
        Assert.Equal(Path.Combine(alphaRoot, "app"), new DirectoryInfo($"/proc/{alphaApp.Pid}/cwd").LinkTarget);
        var rootStat = Pods.Run("stat", "-c", "%u %a", alphaRoot).Output.Trim();
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{alphaUid} 700"), rootStat);
        var alphaSecret = Path.Combine(alphaRoot, "app", "www", "secret.txt");
        Assert.Equal("alpha-secret", (await File.ReadAllTextAsync(alphaSecret, ct)).Trim());
        Assert.Contains("own alpha-secret", await MeshedWorkloads.AppLogWithAsync(mesh, "alpha-0", "own alpha-secret", 1, ct), StringComparison.Ordinal);

        // Served by that program through alpha's proxy: the host's request lands on the proxy, which hands it on.
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(15) };
        Assert.Equal("alpha-secret", (await TryGetAsync(http, new Uri($"http://{alpha.Address}:8080/secret.txt"), ct)).Trim());

        // Beta, another service account with another image, tries to read alpha's image files and cannot; it reads
        // its own.
        await mesh.ApplyAsync(ImageWorkload("beta", $"{registry.Host}/shop/beta:1.0.0", peek: alphaSecret), ct);
        var beta = (await mesh.WaitForInstancesAsync(2, ct)).Single(i => i.Workload == "beta");
        var betaPod = Pods.NamespaceOf(beta.Address) ?? throw new InvalidOperationException($"no namespace holds {beta.Address}");
        Assert.NotEqual(alphaPod.Name, betaPod.Name);
        var betaApp = Pods.ProcessesIn(betaPod.Id).Single(p => p.CommandLine.Contains("http.server", StringComparison.Ordinal));
        Assert.NotEqual(alphaUid, Pods.Uid(betaApp.Pid));
        var log = await MeshedWorkloads.AppLogWithAsync(mesh, "beta-0", $"denied {alphaSecret}", 1, ct);
        Assert.Equal(1, MeshedWorkloads.CountLines(log, "own beta-secret"));
        Assert.Equal(0, MeshedWorkloads.CountLines(log, $"read {alphaSecret}"));

        // Down: the pods, and the copies of the images in their folders, are gone.
        await mesh.DownAsync(ct);
        AssertNothingLeft(network, [alphaPod, betaPod]);
        Assert.False(Directory.Exists(alphaRoot), $"{alphaRoot} is left after down");
        Assert.False(Directory.Exists(podDirectory), $"{podDirectory} is left after down");
    }

    private static TestImage SecretImage(string secret) => TestImage.Build(
        [new Dictionary<string, (string, UnixFileMode)>
        {
            ["app/run.sh"] = ("""
                #!/bin/sh
                echo "own $(cat www/secret.txt)"
                if [ -n "$PEEK" ]; then
                  if cat "$PEEK" >/dev/null 2>&1; then echo "read $PEEK"; else echo "denied $PEEK"; fi
                fi
                exec /usr/bin/python3 -m http.server "$PORT" --bind "$HOST" --directory www

                """, (UnixFileMode)0b111_101_101),
            ["app/www/secret.txt"] = (secret + "\n", (UnixFileMode)0b110_100_100),
        }],
        ["/app/run.sh"], [], [], "/app");

    private static string ImageWorkload(string name, string image, string? peek) => $$"""
        apiVersion: linnet.io/v1alpha1
        kind: Workload
        metadata: { name: {{name}}, labels: { app: {{name}} } }
        spec:
          replicas: 1
          serviceAccount: {{name}}
          image: "{{image}}"
          ports: [8080]
          env: [ { name: PEEK, value: "{{peek ?? ""}}" } ]

        """;

    private static List<string> HostLinks() =>
        [.. Pods.Run("ip", "-o", "link", "show").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 3)).Where(f => f.Length > 1).Select(f => f[1].Trim().Split('@')[0])];

    private static void AssertNothingLeft(IPNetwork network, IEnumerable<(string Name, string Id)> pods)
    {
        var namespaces = Pods.Namespaces();
        foreach (var (name, id) in pods)
        {
            Assert.DoesNotContain(name, namespaces);
            Assert.Empty(Pods.ProcessesIn(id));
            Assert.False(Directory.Exists(Path.Combine("/etc/netns", name)), $"/etc/netns/{name} is left");
        }

        // No bridge and no veth: nothing on the host holds an address of the range any more.
        Assert.Empty(Pods.HostInterfacesIn(network));
    }

    private static async Task<string> TryGetAsync(HttpClient http, Uri uri, CancellationToken ct)
    {
        try
        {
            return await http.GetStringAsync(uri, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return ex.Message;
        }
    }
}
