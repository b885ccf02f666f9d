using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using Linnet.Api.ProxyInit;
using Linnet.Proxy.Tests.Infrastructure;
using Microsoft.Win32.SafeHandles;

namespace Linnet.Proxy.Tests.Interception;

/// <summary>
/// A network namespace made for one test, as a pod's is: <c>lo</c> up, and a veth pair to the host with
/// 10.250.X.1/30 on the host side and 10.250.X.2/30 inside. The test process reaches into it without a
/// helper process: <see cref="CreateSocket"/> makes the socket on a thread that has entered the namespace
/// (setns), and a socket stays in the namespace it was made in. Dispose deletes the veth pair and the
/// namespace, and with it the namespace's iptables rules.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class NetworkNamespace : IAsyncDisposable
{
    /// <summary>The uid the proxy runs as, excluded from redirection (Linkerd's proxy uid).</summary>
    public const int ProxyUid = 2102;

    private const int CloneNewNet = 0x40000000;
    private const UnixFileMode ReadableByAll = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LinkUpTimeout = TimeSpan.FromSeconds(10);

    private string? _proxyCopy;
    private int _disposed;

    private NetworkNamespace(string id, int subnet)
    {
        Name = $"linnet-t-{id}";
        HostVeth = $"lt{id}h";
        NamespaceVeth = $"lt{id}n";
        HostAddress = IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"10.250.{subnet}.1"));
        NamespaceAddress = IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"10.250.{subnet}.2"));
    }

    /// <summary>The namespace's name (<c>ip netns list</c>).</summary>
    public string Name { get; }

    /// <summary>The veth end left in the host namespace.</summary>
    public string HostVeth { get; }

    /// <summary>The veth end moved into the namespace.</summary>
    public string NamespaceVeth { get; }

    /// <summary>10.250.X.1: the host side; servers "outside the pod" bind here.</summary>
    public IPAddress HostAddress { get; }

    /// <summary>10.250.X.2: the namespace side.</summary>
    public IPAddress NamespaceAddress { get; }

    /// <summary>
    /// Skips the test (xunit.v3 dynamic skip) when namespaces cannot be made here: not root, or
    /// <c>ip netns add</c> refused. Under <c>CI=true</c> the same condition fails the test instead.
    /// </summary>
    public static async Task RequireAsync(CancellationToken cancellationToken)
    {
        var reason = await UnavailableReasonAsync(cancellationToken);
        if (reason is null)
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"{reason}; CI=true, so interception tests must run rather than skip");
        }

        Assert.Skip(reason);
    }

    /// <summary>Creates the namespace and the veth pair, on a 10.250.X.0/30 no interface on the host uses yet.</summary>
    public static async Task<NetworkNamespace> CreateAsync(CancellationToken cancellationToken)
    {
        var (_, addresses) = await CheckAsync(["ip", "-o", "-4", "addr", "show"], cancellationToken);
        var free = Enumerable.Range(0, 256).Where(x => !addresses.Contains($"10.250.{x}.", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(free);
        var ns = new NetworkNamespace(RandomNumberGenerator.GetHexString(8, lowercase: true), free[RandomNumberGenerator.GetInt32(free.Count)]);
        try
        {
            await ns.RemoveLeftoversAsync(cancellationToken);
            await CheckAsync(["ip", "netns", "add", ns.Name], cancellationToken);
            await ns.ExecAsync(["ip", "link", "set", "lo", "up"], cancellationToken);
            await CheckAsync(["ip", "link", "add", ns.HostVeth, "type", "veth", "peer", "name", ns.NamespaceVeth, "netns", ns.Name], cancellationToken);
            await CheckAsync(["ip", "addr", "add", $"{ns.HostAddress}/30", "dev", ns.HostVeth], cancellationToken);
            await CheckAsync(["ip", "link", "set", ns.HostVeth, "up"], cancellationToken);
            await ns.ExecAsync(["ip", "addr", "add", $"{ns.NamespaceAddress}/30", "dev", ns.NamespaceVeth], cancellationToken);
            await ns.ExecAsync(["ip", "link", "set", ns.NamespaceVeth, "up"], cancellationToken);
            await ProxyProcess.WaitUntilAsync(
                async () => (await RunAsync(["ip", "-o", "link", "show", "dev", ns.HostVeth], cancellationToken)).Output.Contains("LOWER_UP", StringComparison.Ordinal)
                    && (await RunAsync(["ip", "netns", "exec", ns.Name, "ip", "-o", "link", "show", "dev", ns.NamespaceVeth], cancellationToken)).Output.Contains("LOWER_UP", StringComparison.Ordinal),
                LinkUpTimeout,
                $"veth pair {ns.HostVeth}/{ns.NamespaceVeth} has carrier",
                cancellationToken);
            return ns;
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }
    }

    /// <summary>True while <c>ip netns list</c> lists <paramref name="name"/>.</summary>
    public static async Task<bool> IsListedAsync(string name, CancellationToken cancellationToken)
    {
        var (_, output) = await CheckAsync(["ip", "netns", "list"], cancellationToken);
        return output.Split('\n').Any(line => line.Split(' ', 2)[0] == name);
    }

    /// <summary>True while the host has a link named <paramref name="name"/>.</summary>
    public static async Task<bool> LinkExistsAsync(string name, CancellationToken cancellationToken) =>
        (await RunAsync(["ip", "link", "show", "dev", name], cancellationToken)).ExitCode == 0;

    /// <summary>Runs a command inside the namespace as root; throws with its output if it fails.</summary>
    public async Task<string> ExecAsync(IReadOnlyList<string> command, CancellationToken cancellationToken) =>
        (await CheckAsync(["ip", "netns", "exec", Name, .. command], cancellationToken)).Output;

    /// <summary>Runs a command inside the namespace as root; its exit code and its stdout and stderr together.</summary>
    public Task<(int ExitCode, string Output)> RunInAsync(IReadOnlyList<string> command, CancellationToken cancellationToken) =>
        RunAsync(["ip", "netns", "exec", Name, .. command], cancellationToken);

    /// <summary>
    /// proxy-init's outbound rules, in the namespace's <c>nat OUTPUT</c> chain: TCP towards the host side is
    /// redirected to <paramref name="proxyPort"/>, except connections owned by <paramref name="exemptUid"/> (the
    /// proxy's own), which would otherwise loop back into it.
    /// </summary>
    public async Task RedirectOutboundAsync(int proxyPort, int exemptUid, CancellationToken cancellationToken)
    {
        var destination = HostAddress.ToString();
        await ExecAsync(["iptables", "-w", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", destination, "-m", "owner", "--uid-owner", Invariant(exemptUid), "-j", "RETURN"], cancellationToken);
        await ExecAsync(["iptables", "-w", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", destination, "-j", "REDIRECT", "--to-ports", Invariant(proxyPort)], cancellationToken);
    }

    /// <summary>The command prefix that runs a program inside the namespace as <paramref name="uid"/>:gid, with
    /// no supplementary groups.</summary>
    public IReadOnlyList<string> LauncherAs(int uid) =>
        ["ip", "netns", "exec", Name, "setpriv", $"--reuid={Invariant(uid)}", $"--regid={Invariant(uid)}", "--clear-groups"];

    /// <summary>
    /// <c>linnet-proxy.dll</c> where <paramref name="uid"/> can read it: in place when it already can, otherwise a
    /// copy of the test output's top-level files in a world-readable directory removed on dispose.
    /// </summary>
    public async Task<string> ProxyDllReadableByAsync(int uid, CancellationToken cancellationToken)
    {
        string[] asUid = ["setpriv", $"--reuid={Invariant(uid)}", $"--regid={Invariant(uid)}", "--clear-groups"];
        if ((await RunAsync([.. asUid, "test", "-r", ProxyProcess.DllPath], cancellationToken)).ExitCode == 0)
        {
            return ProxyProcess.DllPath;
        }

        _proxyCopy = Directory.CreateTempSubdirectory("linnet-proxy-bin-").FullName;
        File.SetUnixFileMode(_proxyCopy, ReadableByAll | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory))
        {
            var copy = Path.Combine(_proxyCopy, Path.GetFileName(file));
            File.Copy(file, copy);
            File.SetUnixFileMode(copy, ReadableByAll | UnixFileMode.UserWrite);
        }

        return Path.Combine(_proxyCopy, Path.GetFileName(ProxyProcess.DllPath));
    }

    /// <summary>A TCP socket (IPv4) that lives in the namespace: it connects, and is redirected, as the
    /// namespace's own processes are. Owned by this process's uid (root), so not exempt from redirection.</summary>
    public Socket CreateSocket()
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                // Only this thread changes namespace; it returns to the original before ending.
                using var original = File.OpenHandle("/proc/thread-self/ns/net");
                using var target = File.OpenHandle($"/run/netns/{Name}");
                Enter(target);
                try
                {
                    socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                }
                finally
                {
                    Enter(original);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Win32Exception or SocketException)
            {
                error = ex;
            }
        });
        thread.Start();
        thread.Join();
        return socket ?? throw new InvalidOperationException($"cannot make a socket in namespace {Name}", error);
    }

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/> that connects from inside the namespace.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var socket = CreateSocket();
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>An HTTP client whose connections start inside the namespace, like the pod's application's.</summary>
    public HttpClient CreateHttpClient() =>
        new(new SocketsHttpHandler { UseProxy = false, ConnectCallback = ConnectAsync }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Deletes the veth pair and the namespace (its processes must have exited for it to go away).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await RemoveLeftoversAsync(CancellationToken.None);
        if (_proxyCopy is not null)
        {
            Directory.Delete(_proxyCopy, recursive: true);
        }
    }

    private async Task RemoveLeftoversAsync(CancellationToken cancellationToken)
    {
        // Deleting one end of a veth pair deletes both, at once; deleting the namespace alone would leave
        // that to the kernel's asynchronous namespace cleanup.
        if (await LinkExistsAsync(HostVeth, cancellationToken))
        {
            await CheckAsync(["ip", "link", "delete", HostVeth], cancellationToken);
        }

        if (await IsListedAsync(Name, cancellationToken))
        {
            await CheckAsync(["ip", "netns", "delete", Name], cancellationToken);
        }
    }

    private static async Task<string?> UnavailableReasonAsync(CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "not running as root: cannot create network namespaces or iptables rules";
        }

        var probe = $"linnet-probe-{RandomNumberGenerator.GetHexString(8, lowercase: true)}";
        try
        {
            var (exitCode, output) = await RunAsync(["ip", "netns", "add", probe], cancellationToken);
            return exitCode == 0 ? null : $"'ip netns add' is not permitted here: {output.Trim()}";
        }
        catch (Win32Exception ex)
        {
            return $"cannot run 'ip' (install iproute2): {ex.Message}";
        }
        finally
        {
            try
            {
                await RunAsync(["ip", "netns", "delete", probe], CancellationToken.None);
            }
            catch (Win32Exception)
            {
                // No 'ip': nothing was created.
            }
        }
    }

    private static async Task<(int ExitCode, string Output)> CheckAsync(IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var result = await RunAsync(command, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{string.Join(' ', command)}' exited with {result.ExitCode}: {result.Output}");
        }

        return result;
    }

    private static Task<(int ExitCode, string Output)> RunAsync(IReadOnlyList<string> command, CancellationToken cancellationToken) =>
        HostProgram.RunAsync(command, cancellationToken, CommandTimeout);

    private static void Enter(SafeFileHandle ns)
    {
        if (SetNs(ns, CloneNewNet) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "setns(CLONE_NEWNET) failed");
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(SafeFileHandle fd, int nsType);
}
