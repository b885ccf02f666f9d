using System.Net;
using System.Net.Sockets;
using Linnet.Platform.Universal.Isolation;
using Linnet.Platform.Universal.Supervisor;
using Linnet.Platform.Universal.Tests.Store;
using Linnet.Testing;

namespace Linnet.Platform.Universal.Tests.Isolation;

/// <summary>Pods on the mesh's bridge, as the supervisor makes them: an instance restarted for a new spec gets a new
/// pod on the address it had, and the host (the metrics scraper) and the other pods (their proxies) must reach it at
/// once, not after their ARP entries for that address expire.</summary>
public sealed class PodNetworkTests
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Create_PodAgainOnTheAddressOfOneJustRemoved_ReachableAtOnceFromTheHostAndFromAnotherPod()
    {
        HostRequirements.RootAndIp("pods are network namespaces on a bridge");
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        var options = PodNetwork.ChooseNetwork(new IsolationOptions { RuntimeDirectory = Path.Combine(data.Path, "run") }, data.Path);
        var pods = new PodNetwork(options, data.Path);
        pods.Prepare();
        try
        {
            var address = pods.FirstPodAddress;
            var key = new InstanceKey("default", "backend", 0);
            var client = pods.Create(new InstanceKey("default", "web", 0), Next(address), (options.UidBase + 1, options.UidBase + 2), []);

            // Reached once from each side: the host's and the client pod's ARP entries for the address are fresh.
            var first = pods.Create(key, address, (options.UidBase + 3, options.UidBase + 4), []);
            await using (await ListenAsync(first, ct))
            {
                await ConnectFromHostAsync(address, ct);
                await ConnectFromPodAsync(client, address, ct);
            }

            // The instance restarted for a new spec: its pod removed, a new one made on the same address.
            PodNetwork.Delete(first);
            var second = pods.Create(key, address, (options.UidBase + 3, options.UidBase + 4), []);
            await using (await ListenAsync(second, ct))
            {
                await ConnectFromHostAsync(address, ct);
                await ConnectFromPodAsync(client, address, ct);
            }
        }
        finally
        {
            pods.CleanUp();
        }
    }

    private static IPAddress Next(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        bytes[3]++;
        return new IPAddress(bytes);
    }

    // A TCP server on the pod's proxy inbound port (which its redirect rules leave alone), ready once it says so.
    private static async Task<TestProcess> ListenAsync(Pod pod, CancellationToken ct)
    {
        var port = WorkloadSupervisor.ProxyInboundPort;
        var server = await TestProcess.StartAsync("ip", ["netns", "exec", pod.NetworkNamespace, "/usr/bin/python3", "-c",
            $"import socket\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(('{pod.Address}', {port}))\ns.listen()\nprint('listening', flush=True)\nwhile True:\n    c, _ = s.accept()\n    c.close()\n"],
            cancellationToken: ct);
        await server.WaitForOutputAsync("listening", TimeSpan.FromSeconds(30), ct);
        return server;
    }

    private static async Task ConnectFromHostAsync(IPAddress address, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ConnectTimeout);
        await socket.ConnectAsync(new IPEndPoint(address, WorkloadSupervisor.ProxyInboundPort), timeout.Token);
    }

    // As the pod's proxy connects (its uid is exempt from the outbound redirect).
    private static async Task ConnectFromPodAsync(Pod pod, IPAddress address, CancellationToken ct)
    {
        var uid = pod.ProxyUid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var connect = await TestProcess.StartAsync("ip", ["netns", "exec", pod.NetworkNamespace, "setpriv", $"--reuid={uid}", $"--regid={uid}", "--clear-groups", "/usr/bin/python3", "-c",
            $"import socket\nsocket.create_connection(('{address}', {WorkloadSupervisor.ProxyInboundPort}), timeout={ConnectTimeout.TotalSeconds})\n"],
            cancellationToken: ct);
        var exitCode = await connect.WaitForExitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.True(exitCode == 0, $"{pod.Address} could not connect to {address}: {connect.Output}");
    }
}
