using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Linnet.Api.ProxyInit;
using Linnet.ControlPlane.Core.Resources;
using Linnet.Platform.Universal.Supervisor;

namespace Linnet.Platform.Universal.Isolation;

/// <summary>The host side of isolated instances: one bridge per mesh holding the host's address in the pod range,
/// and per instance a network namespace joined to it by a veth pair, with proxy-init's iptables rules inside and an
/// <c>/etc/hosts</c> of its own. Every name carries a prefix derived from the data directory, so that two meshes on
/// one host never touch each other's pods and a restart finds (and removes) what a crashed run left.</summary>
internal sealed class PodNetwork
{
    private const UnixFileMode Traversable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const UnixFileMode ReadableByAll = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly IsolationOptions _options;
    private readonly IPNetwork _network;
    private readonly string _hash;
    private readonly string _dataDirectory;
    private readonly uint _first;
    private readonly uint _last;

    public PodNetwork(IsolationOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        var network = options.Network ?? throw new ArgumentException("the pod network has not been chosen (IsolationSupport.PrepareBridge chooses it)", nameof(options));
        _network = network;
        if (network.BaseAddress.AddressFamily != AddressFamily.InterNetwork || network.PrefixLength is < 8 or > 28)
        {
            throw new ArgumentException($"the pod network {network} must be an IPv4 range from /8 to /28", nameof(options));
        }

        _hash = Hash(dataDirectory);
        _dataDirectory = dataDirectory;
        var start = BinaryPrimitives.ReadUInt32BigEndian(network.BaseAddress.GetAddressBytes());
        var size = 1u << (32 - network.PrefixLength);
        Gateway = ToAddress(start + 1);
        ServicesAddress = ToAddress(start + size - 2);
        _first = start + 2;
        _last = start + size - 3;
        Bridge = $"lnt{_hash}br";
        RuntimeRoot = Path.Combine(options.RuntimeDirectory, _hash);
    }

    /// <summary>Makes this process the owner of the pods of <paramref name="dataDirectory"/>'s mesh (see
    /// <see cref="MeshOwnership"/>), then removes every other mesh's pods whose owner is gone — a mesh SIGKILLed on
    /// another data directory, such as a demo's temporary one — with their processes. Returns the hashes reaped.</summary>
    public static IReadOnlyList<string> ClaimAndReap(IsolationOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        var hash = Hash(dataDirectory);
        MeshOwnership.Claim(options.RuntimeDirectory, hash, dataDirectory);
        return MeshOwnership.ReapAbandoned(options.RuntimeDirectory, hash, abandoned => RemoveAll(options.RuntimeDirectory, abandoned, withBridge: true));
    }

    /// <summary><paramref name="options"/> with its pod range chosen: the one given, else the range this mesh's
    /// bridge already has (a restart), else the first /22 of <see cref="IsolationOptions.DefaultNetwork"/> that no
    /// address on the host overlaps, starting from one derived from the data directory so that meshes started at
    /// the same moment pick different ranges.</summary>
    public static IsolationOptions ChooseNetwork(IsolationOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Network is not null)
        {
            return options;
        }

        var pool = IsolationOptions.DefaultNetwork;
        var bridge = $"lnt{Hash(dataDirectory)}br";
        var addresses = HostAddresses().ToList();
        if (addresses.FirstOrDefault(a => a.Device == bridge && pool.Contains(a.Network.BaseAddress)) is { Device: not null } own)
        {
            return options with { Network = own.Network };
        }

        var slots = 1 << (IsolationOptions.DefaultPrefixLength - pool.PrefixLength);
        var poolStart = BinaryPrimitives.ReadUInt32BigEndian(pool.BaseAddress.GetAddressBytes());
        var first = (int)(BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDirectory)))) % (uint)slots);
        for (var i = 0; i < slots; i++)
        {
            var slot = (uint)((first + i) % slots);
            var candidate = new IPNetwork(ToAddress(poolStart + (slot << (32 - IsolationOptions.DefaultPrefixLength))), IsolationOptions.DefaultPrefixLength);
            if (!addresses.Any(a => Overlaps(candidate, a.Network)))
            {
                return options with { Network = candidate };
            }
        }

        throw new IsolationException($"every /{IsolationOptions.DefaultPrefixLength} of {pool} is in use on this host; choose a range (--pod-network)");
    }

    private static string Hash(string dataDirectory) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDirectory))))[..6];

    private static bool Overlaps(IPNetwork a, IPNetwork b) => a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress);

    /// <summary>Every IPv4 address on the host with its device, as <c>ip -o -4 addr show</c> lists them.</summary>
    private static IEnumerable<(string Device, IPNetwork Network)> HostAddresses()
    {
        foreach (var line in HostCommand.Check("ip", "-o", "-4", "addr", "show").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var inet = Array.IndexOf(fields, "inet");
            // "10.253.0.1/16": an interface's address with its prefix; the range is what matters.
            if (inet > 0 && fields[inet + 1].Split('/') is [var text, var bits] && IPAddress.TryParse(text, out var address)
                && int.TryParse(bits, NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) && prefix is >= 0 and <= 32)
            {
                var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
                yield return (fields[1], new IPNetwork(ToAddress(BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes()) & mask), prefix));
            }
        }
    }

    /// <summary>The mesh's bridge on the host.</summary>
    public string Bridge { get; }

    /// <summary>The host's address on the bridge: pods reach the control plane here.</summary>
    public IPAddress Gateway { get; }

    /// <summary>Where every service name resolves inside a pod: any address the app dials is redirected to its
    /// proxy, which routes HTTP and gRPC by the name in <c>Host</c> / <c>:authority</c>.</summary>
    public IPAddress ServicesAddress { get; }

    /// <summary>The first pod address.</summary>
    public IPAddress FirstPodAddress => ToAddress(_first);

    /// <summary>The last pod address.</summary>
    public IPAddress LastPodAddress => ToAddress(_last);

    /// <summary>Where the pods' folders are.</summary>
    public string RuntimeRoot { get; }

    private string NamespacePrefix => $"lnt{_hash}-";

    private string VethPrefix => $"v{_hash}";

    /// <summary>The control-plane address proxies in pods are given: the host's bridge address at the control
    /// plane's port (the control plane must listen there: 0.0.0.0 or the bridge address).</summary>
    public string ControlPlaneAddress(string hostPort)
    {
        ArgumentNullException.ThrowIfNull(hostPort);
        var colon = hostPort.LastIndexOf(':');
        return $"{Gateway}:{hostPort[(colon + 1)..]}";
    }

    /// <summary>Removes the pods an earlier run of this mesh left, then makes the bridge unless it is there already
    /// (the control plane makes it before it listens on its address).</summary>
    public void Prepare()
    {
        ClaimAndReap(_options, _dataDirectory);
        RemoveAll(_options.RuntimeDirectory, _hash, withBridge: false);
        var range = _network;
        var address = $"{Gateway}/{range.PrefixLength}";
        var (exists, current) = HostCommand.Run("ip", "-o", "-4", "addr", "show", "dev", Bridge);
        if (exists == 0 && current.Contains($" {address} ", StringComparison.Ordinal))
        {
            CreateDirectory(_options.RuntimeDirectory, Traversable);
            CreateDirectory(RuntimeRoot, Traversable);
            return;
        }

        if (exists == 0)
        {
            HostCommand.Run("ip", "link", "delete", Bridge);
        }

        foreach (var (device, used) in HostAddresses())
        {
            if (Overlaps(range, used))
            {
                throw new IsolationException($"the pod network {range} overlaps {used} on {device}; choose another range (--pod-network)");
            }
        }

        HostCommand.Check("ip", "link", "add", Bridge, "type", "bridge");
        HostCommand.Check("ip", "addr", "add", address, "dev", Bridge);
        HostCommand.Check("ip", "link", "set", Bridge, "up");
        CreateDirectory(_options.RuntimeDirectory, Traversable);
        CreateDirectory(RuntimeRoot, Traversable);
    }

    /// <summary>Removes every pod of this mesh, its bridge, its hosts files and its pods' folders, then gives up
    /// its ownership (nothing is left for a reaper).</summary>
    public void CleanUp()
    {
        RemoveAll(_options.RuntimeDirectory, _hash, withBridge: true);
        MeshOwnership.Release(_options.RuntimeDirectory, _hash);
    }

    // Everything named after a mesh's hash: the processes still in its namespaces (an owner that was killed
    // leaves its apps and proxies running there), the namespaces (and with them their iptables rules), their
    // /etc/netns folders, the host ends of the veths, the bridge when asked, and the pods' folders.
    private static void RemoveAll(string runtimeDirectory, string hash, bool withBridge)
    {
        var namespacePrefix = $"lnt{hash}-";
        foreach (var line in HostCommand.Check("ip", "netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ', 2)[0];
            if (name.StartsWith(namespacePrefix, StringComparison.Ordinal))
            {
                KillProcessesIn(name);
                HostCommand.Run("ip", "netns", "delete", name);
                DeleteDirectory(Path.Combine("/etc/netns", name));
            }
        }

        var vethPrefix = $"v{hash}";
        var bridge = $"lnt{hash}br";
        foreach (var line in HostCommand.Check("ip", "-o", "link", "show").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(':', 3);
            if (fields.Length < 2)
            {
                continue;
            }

            var name = fields[1].Trim().Split('@')[0];
            if (name.StartsWith(vethPrefix, StringComparison.Ordinal) || (withBridge && name == bridge))
            {
                HostCommand.Run("ip", "link", "delete", name);
            }
        }

        DeleteDirectory(Path.Combine(runtimeDirectory, hash));
    }

    private static void KillProcessesIn(string networkNamespace)
    {
        var (code, output) = HostCommand.Run("ip", "netns", "pids", networkNamespace);
        if (code != 0)
        {
            return;
        }

        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(line.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    using var process = System.Diagnostics.Process.GetProcessById(pid);
                    process.Kill();
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // Already gone.
                }
            }
        }
    }

    /// <summary>Makes <paramref name="key"/>'s pod at <paramref name="address"/>: namespace, veth on the bridge,
    /// proxy-init's rules, hosts file and folders.</summary>
    public Pod Create(InstanceKey key, IPAddress address, (int App, int Proxy) uids, IEnumerable<ServiceResource> services)
    {
        ArgumentNullException.ThrowIfNull(address);
        var value = BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
        var hex = value.ToString("x8", CultureInfo.InvariantCulture);
        var pod = new Pod(NamespacePrefix + hex, VethPrefix + hex, address, Gateway, uids.App, uids.Proxy,
            Path.Combine(RuntimeRoot, key.Namespace, key.Name), ServicesAddress);
        try
        {
            var ns = pod.NetworkNamespace;
            HostCommand.Check("ip", "netns", "add", ns);
            HostCommand.Check("ip", "link", "add", pod.HostVeth, "type", "veth", "peer", "name", "eth0", "netns", ns);
            HostCommand.Check("ip", "link", "set", pod.HostVeth, "master", Bridge, "up");
            HostCommand.Check("ip", "-n", ns, "link", "set", "lo", "up");
            HostCommand.Check("ip", "-n", ns, "link", "set", "eth0", "address", HardwareAddress(address));
            HostCommand.Check("ip", "-n", ns, "addr", "add", $"{address}/{_network.PrefixLength}", "dev", "eth0");
            HostCommand.Check("ip", "-n", ns, "link", "set", "eth0", "up");
            Redirect(pod);
            WriteHosts(pod, key, services);
            CreateDirectory(Path.Combine(RuntimeRoot, key.Namespace), Traversable);
            DeleteDirectory(pod.Directory);
            CreateDirectory(pod.Directory, Traversable);
            CreateDirectory(pod.AppHome, OwnerOnly);
            Chown(pod.AppHome, pod.AppUid);
            return pod;
        }
        catch
        {
            Delete(pod);
            throw;
        }
    }

    /// <summary>The MAC address of the pod at <paramref name="address"/>: <c>0a:58</c> and the address's four bytes
    /// (locally administered, unicast; what the CNI bridge plugin gives a pod). A pod started again on the address of
    /// one just removed (an instance restarted for a new spec keeps its address) then has the same MAC, so the host's
    /// and the other pods' ARP entries for that address stay right. With a random MAC they point at the removed veth
    /// for up to a minute: connections and scrapes to the new pod time out, and a canary on it gets no traffic.</summary>
    public static string HardwareAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var bytes = address.GetAddressBytes();
        if (bytes.Length != 4)
        {
            throw new ArgumentException($"{address} is not an IPv4 address", nameof(address));
        }

        return string.Create(CultureInfo.InvariantCulture, $"0a:58:{bytes[0]:x2}:{bytes[1]:x2}:{bytes[2]:x2}:{bytes[3]:x2}");
    }

    /// <summary>Rewrites the pod's <c>/etc/hosts</c> in place (a running app sees the change: <c>ip netns exec</c>
    /// bind-mounted this file).</summary>
    public static void WriteHosts(Pod pod, InstanceKey key, IEnumerable<ServiceResource> services)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(services);
        var text = new StringBuilder();
        text.Append("127.0.0.1 localhost\n");
        text.Append(CultureInfo.InvariantCulture, $"{pod.Address} {key.Name}\n");
        foreach (var service in services.OrderBy(s => s.Metadata.Namespace, StringComparer.Ordinal).ThenBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            var name = service.Metadata.Name;
            var ns = service.Metadata.Namespace;
            var local = ns == key.Namespace ? $"{name} " : "";
            text.Append(CultureInfo.InvariantCulture, $"{pod.ServicesAddress} {local}{name}.{ns} {name}.{ns}.svc.cluster.local\n");
        }

        var directory = Path.Combine("/etc/netns", pod.NetworkNamespace);
        CreateDirectory("/etc/netns", Traversable | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        CreateDirectory(directory, Traversable | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var path = Path.Combine(directory, "hosts");
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("pods are Linux network namespaces");
        }

        using var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.Write, UnixCreateMode = ReadableByAll });
        stream.SetLength(0);
        stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>Removes the pod: its namespace (and with it the veth pair and the rules), hosts file and folder.</summary>
    public static void Delete(Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        HostCommand.Run("ip", "netns", "delete", pod.NetworkNamespace);
        if (HostCommand.Run("ip", "link", "show", "dev", pod.HostVeth).ExitCode == 0)
        {
            HostCommand.Run("ip", "link", "delete", pod.HostVeth);
        }

        DeleteDirectory(Path.Combine("/etc/netns", pod.NetworkNamespace));
        DeleteDirectory(pod.Directory);
    }

    /// <summary>Gives <paramref name="path"/> to <paramref name="uid"/> (and its group of the same number).</summary>
    public static void Chown(string path, int uid)
    {
        if (NativeMethods.Chown(path, uid, uid) != 0)
        {
            throw new IsolationException($"cannot give {path} to uid {uid}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    // Linkerd's proxy-init, in the pod's nat table (FirewallRules, the rules linnet-proxy init installs on
    // Kubernetes): every TCP connection arriving for the pod goes to the proxy's inbound port, except those for the
    // inbound port itself and admin (the host probes and scrapes it); every TCP connection the pod opens goes to the
    // proxy's outbound port, except over lo (the app calling itself or its proxy's service ports) and the proxy's
    // own, which would loop.
    private static void Redirect(Pod pod)
    {
        var configuration = new FirewallConfiguration
        {
            InboundProxyPort = WorkloadSupervisor.ProxyInboundPort,
            OutboundProxyPort = WorkloadSupervisor.ProxyOutboundPort,
            ProxyUid = pod.ProxyUid,
            InboundPortsToIgnore = [new PortRange(WorkloadSupervisor.ProxyInboundPort, WorkloadSupervisor.ProxyInboundPort), new PortRange(WorkloadSupervisor.ProxyAdminPort, WorkloadSupervisor.ProxyAdminPort)],
        };
        foreach (var command in FirewallRules.Commands(configuration))
        {
            HostCommand.Check(["ip", "netns", "exec", pod.NetworkNamespace, "iptables", .. command]);
        }
    }

    private static void CreateDirectory(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("pods are Linux network namespaces");
        }

        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, mode);
    }

    private static void DeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
    }

    private static IPAddress ToAddress(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
