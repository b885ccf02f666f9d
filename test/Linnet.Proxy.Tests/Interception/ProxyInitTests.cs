using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using Linnet.Proxy.Tests.Infrastructure;

namespace Linnet.Proxy.Tests.Interception;

/// <summary>
/// <c>linnet-proxy init</c> run for real in a network namespace the test creates (the pod's), with the arguments an
/// injected pod's <c>linnet-init</c> container gets: then real TCP connections show where Linkerd's proxy-init sends
/// them. Listeners stand on the proxy's ports (inbound 4143 on every address, outbound 127.0.0.1:4140) and on the
/// app's, each answering with its name, so each connection says which one it reached and, when redirected, where it
/// was going (<c>SO_ORIGINAL_DST</c>). Expected (Linkerd's iptables reference): TCP arriving for the pod → 4143
/// except ignored inbound ports and subnets; TCP the pod opens → 4140 except the proxy's uid, <c>lo</c> and ignored
/// outbound ports.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ProxyInitTests
{
    private const int InboundPort = 4143;
    private const int OutboundPort = 4140;
    private const int AdminPort = 4191;
    private const int AppPort = 8080;
    private const int SkippedAppPort = 9090;
    private const int AppUid = 2101;

    [Fact]
    public async Task Init_InjectedArguments_AppTrafficReachesProxyPortsProxyAndSkippedTrafficGoesStraight()
    {
        var ct = TestContext.Current.CancellationToken;
        await NetworkNamespace.RequireAsync(ct);
        var ns = await NetworkNamespace.CreateAsync(ct);
        try
        {
            await using var backend = new TagListener("backend", HostSocket(), new IPEndPoint(ns.HostAddress, 0));
            await using var skippedBackend = new TagListener("skipped-backend", HostSocket(), new IPEndPoint(ns.HostAddress, 0));
            await using var proxyInbound = new TagListener("proxy-inbound", ns.CreateSocket(), new IPEndPoint(IPAddress.Any, InboundPort));
            await using var proxyOutbound = new TagListener("proxy-outbound", ns.CreateSocket(), new IPEndPoint(IPAddress.Loopback, OutboundPort));
            await using var admin = new TagListener("proxy-admin", ns.CreateSocket(), new IPEndPoint(IPAddress.Any, AdminPort));
            await using var app = new TagListener("app", ns.CreateSocket(), new IPEndPoint(IPAddress.Any, AppPort));
            await using var skippedApp = new TagListener("skipped-app", ns.CreateSocket(), new IPEndPoint(IPAddress.Any, SkippedAppPort));

            // What ProxyInjector gives linnet-init for config.linkerd.io/skip-inbound-ports: "9090" and
            // skip-outbound-ports: "<the skipped backend's port>" (ProxyInitArgumentsTests pins that mapping).
            var (code, output) = await InitAsync(ns, [
                "--incoming-proxy-port", Invariant(InboundPort), "--outgoing-proxy-port", Invariant(OutboundPort),
                "--proxy-uid", Invariant(NetworkNamespace.ProxyUid),
                "--inbound-ports-to-ignore", $"4190,{Invariant(AdminPort)},{Invariant(SkippedAppPort)}",
                "--outbound-ports-to-ignore", Invariant(skippedBackend.EndPoint.Port)], ct);
            Assert.True(code == 0, $"linnet-proxy init exited with {code}: {output}");

            // Outbound: the app's connection reaches the proxy's outbound port, which can tell where it was going.
            Assert.Equal("proxy-outbound", await ConnectFromNamespaceAsync(ns, AppUid, backend.EndPoint, "app-out", ct));
            var redirected = Assert.Single(proxyOutbound.Connections);
            Assert.Equal("app-out", redirected.Tag);
            Assert.Equal(backend.EndPoint, redirected.OriginalDestination);
            Assert.Empty(backend.Connections);

            // The proxy's own uid goes straight to the backend (or it would loop into itself).
            Assert.Equal("backend", await ConnectFromNamespaceAsync(ns, NetworkNamespace.ProxyUid, backend.EndPoint, "proxy-out", ct));
            Assert.Equal("proxy-out", Assert.Single(backend.Connections).Tag);

            // A skipped outbound port, and loopback, are not redirected.
            Assert.Equal("skipped-backend", await ConnectFromNamespaceAsync(ns, AppUid, skippedBackend.EndPoint, "skipped-out", ct));
            Assert.Equal("app", await ConnectFromNamespaceAsync(ns, AppUid, new IPEndPoint(IPAddress.Loopback, AppPort), "loopback", ct));
            Assert.Equal("loopback", Assert.Single(app.Connections).Tag);

            // Inbound: a connection for the app's port reaches the proxy's inbound port, with its source kept.
            Assert.Equal("proxy-inbound", await ConnectFromHostAsync(new IPEndPoint(ns.NamespaceAddress, AppPort), "in", ct));
            var inbound = Assert.Single(proxyInbound.Connections);
            Assert.Equal(new IPEndPoint(ns.NamespaceAddress, AppPort), inbound.OriginalDestination);
            Assert.Equal(ns.HostAddress, inbound.Peer.Address);

            // Skipped inbound ports (the injected admin port, and the pod's own) reach their listeners directly.
            Assert.Equal("skipped-app", await ConnectFromHostAsync(new IPEndPoint(ns.NamespaceAddress, SkippedAppPort), "skipped-in", ct));
            Assert.Null(Assert.Single(skippedApp.Connections).OriginalDestination);
            Assert.Equal("proxy-admin", await ConnectFromHostAsync(new IPEndPoint(ns.NamespaceAddress, AdminPort), "probe", ct));

            Assert.Single(proxyOutbound.Connections);
            Assert.Single(proxyInbound.Connections);
        }
        finally
        {
            await ns.DisposeAsync();
        }
    }

    [Fact]
    public async Task Init_SubnetToIgnore_ConnectionsFromItReachTheAppDirectly()
    {
        var ct = TestContext.Current.CancellationToken;
        await NetworkNamespace.RequireAsync(ct);
        var ns = await NetworkNamespace.CreateAsync(ct);
        try
        {
            await using var proxyInbound = new TagListener("proxy-inbound", ns.CreateSocket(), new IPEndPoint(IPAddress.Any, InboundPort));
            await using var app = new TagListener("app", ns.CreateSocket(), new IPEndPoint(IPAddress.Any, AppPort));
            var (code, output) = await InitAsync(ns, ["-p", Invariant(InboundPort), "-o", Invariant(OutboundPort), "-u", Invariant(NetworkNamespace.ProxyUid),
                "--subnets-to-ignore", $"{ns.HostAddress}/32"], ct);
            Assert.True(code == 0, $"linnet-proxy init exited with {code}: {output}");

            Assert.Equal("app", await ConnectFromHostAsync(new IPEndPoint(ns.NamespaceAddress, AppPort), "from-ignored-subnet", ct));
            Assert.Empty(proxyInbound.Connections);
        }
        finally
        {
            await ns.DisposeAsync();
        }
    }

    [Fact]
    public async Task Init_RunAgain_ChangesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await NetworkNamespace.RequireAsync(ct);
        var ns = await NetworkNamespace.CreateAsync(ct);
        try
        {
            string[] arguments = ["-p", "4143", "-o", "4140", "-u", "2102", "--inbound-ports-to-ignore", "4190,4191"];
            var (first, firstOutput) = await InitAsync(ns, arguments, ct);
            Assert.True(first == 0, firstOutput);
            var installed = await NatRulesAsync(ns, ct);
            Assert.Contains("-A PREROUTING -m comment --comment \"proxy-init/install-proxy-init-prerouting\" -j PROXY_INIT_REDIRECT", installed);

            var (second, secondOutput) = await InitAsync(ns, arguments, ct);

            Assert.True(second == 0, secondOutput);
            Assert.Contains("already installed", secondOutput, StringComparison.Ordinal);
            Assert.Equal(installed, await NatRulesAsync(ns, ct));
        }
        finally
        {
            await ns.DisposeAsync();
        }
    }

    [Fact]
    public async Task Init_AfterInterruptedRun_InstallsTheRulesOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await NetworkNamespace.RequireAsync(ct);
        var clean = await NetworkNamespace.CreateAsync(ct);
        var interrupted = await NetworkNamespace.CreateAsync(ct);
        try
        {
            string[] arguments = ["-p", "4143", "-o", "4140", "-u", "2102", "--inbound-ports-to-ignore", "4190,4191"];
            Assert.Equal(0, (await InitAsync(clean, arguments, ct)).ExitCode);
            // A run stopped after its inbound half: the chain, a rule and the jump from PREROUTING, no outbound chain.
            await interrupted.ExecAsync(["iptables", "-w", "-t", "nat", "-N", "PROXY_INIT_REDIRECT"], ct);
            await interrupted.ExecAsync(["iptables", "-w", "-t", "nat", "-A", "PROXY_INIT_REDIRECT", "-p", "tcp", "-j", "REDIRECT", "--to-port", "4143"], ct);
            await interrupted.ExecAsync(["iptables", "-w", "-t", "nat", "-A", "PREROUTING", "-j", "PROXY_INIT_REDIRECT", "-m", "comment", "--comment", "proxy-init/install-proxy-init-prerouting"], ct);

            var (code, output) = await InitAsync(interrupted, arguments, ct);

            Assert.True(code == 0, output);
            Assert.Equal(await NatRulesAsync(clean, ct), await NatRulesAsync(interrupted, ct));
        }
        finally
        {
            await clean.DisposeAsync();
            await interrupted.DisposeAsync();
        }
    }

    [Fact]
    public async Task Init_WithoutNetAdmin_FailsNamingTheCapabilityAndChangesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await NetworkNamespace.RequireAsync(ct);
        var ns = await NetworkNamespace.CreateAsync(ct);
        try
        {
            var before = await NatRulesAsync(ns, ct);
            var dll = await ns.ProxyDllReadableByAsync(NetworkNamespace.ProxyUid, ct);
            var asProxyUid = ns.LauncherAs(NetworkNamespace.ProxyUid).Skip(4);

            var (code, output) = await ns.RunInAsync([.. asProxyUid, ProxyProcess.DotnetHost, dll, "init", "-p", "4143", "-o", "4140"], ct);

            Assert.Equal(1, code);
            Assert.Contains("CAP_NET_ADMIN", output, StringComparison.Ordinal);
            Assert.Contains("uid 2102", output, StringComparison.Ordinal);
            Assert.Equal(before, await NatRulesAsync(ns, ct));
        }
        finally
        {
            await ns.DisposeAsync();
        }
    }

    [Fact]
    public async Task Init_InvalidArguments_ExitsTwoNamingTheFlag()
    {
        var ct = TestContext.Current.CancellationToken;
        await NetworkNamespace.RequireAsync(ct);
        var ns = await NetworkNamespace.CreateAsync(ct);
        try
        {
            var before = await NatRulesAsync(ns, ct);

            var (code, output) = await InitAsync(ns, ["-p", "4143", "-o", "4140", "--outbound-ports-to-ignore", "25,70000"], ct);

            Assert.Equal(2, code);
            Assert.Contains("--outbound-ports-to-ignore: '70000' is not a port", output, StringComparison.Ordinal);
            Assert.Equal(before, await NatRulesAsync(ns, ct));
        }
        finally
        {
            await ns.DisposeAsync();
        }
    }

    private static Task<(int ExitCode, string Output)> InitAsync(NetworkNamespace ns, IReadOnlyList<string> arguments, CancellationToken ct) =>
        ns.RunInAsync([ProxyProcess.DotnetHost, ProxyProcess.DllPath, "init", .. arguments], ct);

    // The nat table's rules, without iptables-save's comments (its timestamp) and packet counters.
    private static async Task<string> NatRulesAsync(NetworkNamespace ns, CancellationToken ct)
    {
        var saved = await ns.ExecAsync(["iptables-save", "-t", "nat"], ct);
        return string.Join('\n', saved.Split('\n')
            .Where(l => !l.StartsWith('#'))
            .Select(l => l.StartsWith(':') ? l[..l.LastIndexOf(' ')] : l));
    }

    // A bash /dev/tcp client in the namespace as uid: it sends its tag and prints the answering listener's name.
    private static async Task<string> ConnectFromNamespaceAsync(NetworkNamespace ns, int uid, IPEndPoint target, string tag, CancellationToken ct)
    {
        const string Script = "exec 3<>/dev/tcp/$0/$1 && printf '%s\\n' \"$2\" >&3 && head -n 1 <&3";
        var command = ns.LauncherAs(uid).Skip(4).Concat(["bash", "-c", Script, target.Address.ToString(), Invariant(target.Port), tag]).ToList();
        var (code, output) = await ns.RunInAsync(command, ct);
        Assert.True(code == 0, $"client as uid {uid} to {target} exited with {code}: {output}");
        return output.Trim();
    }

    private static async Task<string> ConnectFromHostAsync(IPEndPoint target, string tag, CancellationToken ct)
    {
        using var socket = HostSocket();
        await socket.ConnectAsync(target, ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes(tag + "\n"), ct);
        using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadLineAsync(ct) ?? "";
    }

    private static Socket HostSocket() => new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
