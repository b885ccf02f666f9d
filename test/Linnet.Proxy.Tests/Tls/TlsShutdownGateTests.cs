using System.Net;
using System.Net.Sockets;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Tcp;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Proxy.Tls;

namespace Linnet.Proxy.Tests.Tls;

/// <summary>Half-closing a mesh TLS connection while its other direction is being read. A client proxy relaying
/// a short opaque exchange sends its <c>close_notify</c> right after the handshake, just as its reader processes
/// the server's TLS 1.3 NewSessionTicket; on Linux (one OpenSSL object for both) an ungated shutdown then fails
/// now and then with "shutdown while in init" and the relay resets a healthy connection (the flaky reset in
/// MeshRotationTests). Through the relay's ends, every exchange must complete: all bytes, both ways, clean ends.</summary>
public sealed class TlsShutdownGateTests
{
    private const int Workers = 6;
    private const int ExchangesPerWorker = 250;

    [Fact]
    public async Task ShutdownWriteAsync_RightAfterHandshakeWhileReading_EveryExchangeCompletesCleanly()
    {
        var ct = TestContext.Current.CancellationToken;
        var ca = TestMeshCa.Create();
        var serverName = TestMeshCa.Identity("ns", "server");
        var config = new BootstrapConfig { DetectTimeout = TimeSpan.FromSeconds(10) };
        var clientTls = new MeshTls(ca.NewIdentity(TestMeshCa.Identity("ns", "client")), config, TimeProvider.System);
        var serverTls = new MeshTls(ca.NewIdentity(serverName), config, TimeProvider.System);
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(Workers * 2);
        var accepts = new SemaphoreSlim(1, 1);
        var problems = new List<string>();
        var completed = 0;

        async Task ExchangeAsync(int n)
        {
            using var clientSocket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            Socket serverSocket;
            await accepts.WaitAsync(ct);
            try
            {
                var accept = listener.AcceptAsync(ct);
                await clientSocket.ConnectAsync(listener.LocalEndPoint!, ct);
                serverSocket = await accept;
            }
            finally
            {
                accepts.Release();
            }

            using var _ = serverSocket;
            var serverGate = new TlsShutdownGate();
            var clientGate = new TlsShutdownGate();
            var accepted = serverTls.AcceptAsync(serverGate.Wrap(new NetworkStream(serverSocket)), ct);
            await using var client = await clientTls.ConnectAsync(clientGate.Wrap(new NetworkStream(clientSocket)), serverName, MeshAlpn.Transport, "server", ct);
            var (server, _) = await accepted;
            await using var __ = server;
            var clientEnd = RelayEnd.ForTls(client, clientGate, clientSocket);
            var serverEnd = RelayEnd.ForTls(server, serverGate, serverSocket);

            // Both sides write four bytes and half-close at once, each reading the other to its close_notify.
            var exchange = Task.WhenAll(
                SendAndShutdownAsync(clientEnd),
                SendAndShutdownAsync(serverEnd),
                ReadToEndAsync(clientEnd),
                ReadToEndAsync(serverEnd));
            try
            {
                await exchange.WaitAsync(TimeSpan.FromSeconds(30), ct);
                var read = (await exchange)[2..];
                if (read is not [4, 4])
                {
                    Record($"exchange {n}: client read {read[0]} bytes, server {read[1]} (4 each sent)");
                }
                else
                {
                    Interlocked.Increment(ref completed);
                }
            }
            catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or System.Security.Authentication.AuthenticationException or TimeoutException)
            {
                Record($"exchange {n}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        void Record(string problem)
        {
            lock (problems)
            {
                problems.Add(problem);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(
            async () =>
            {
                for (var i = 0; i < ExchangesPerWorker; i++)
                {
                    await ExchangeAsync((w * ExchangesPerWorker) + i);
                }
            },
            ct)));

        Assert.True(problems.Count == 0, $"{problems.Count} of {Workers * ExchangesPerWorker} exchanges failed:\n{string.Join("\n", problems.Take(10))}");
        Assert.Equal(Workers * ExchangesPerWorker, completed);
    }

    private static async Task<int> SendAndShutdownAsync(RelayEnd end)
    {
        await end.Stream.WriteAsync("ping"u8.ToArray());
        await end.ShutdownWriteAsync();
        return 0;
    }

    private static async Task<int> ReadToEndAsync(RelayEnd end)
    {
        var buffer = new byte[256];
        var total = 0;
        int read;
        while ((read = await end.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        return total;
    }
}
