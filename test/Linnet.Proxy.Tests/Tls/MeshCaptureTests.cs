using System.Net;
using System.Security.Cryptography;
using System.Text;
using Linnet.Proxy.Identity;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Linnet.Proxy.Tests.Tls;

/// <summary>What an observer on the wire sees between two proxies: tshark on the loopback interface,
/// capturing only the server proxy's inbound port, while a request body full of a marker crosses.</summary>
public sealed class MeshCaptureTests
{
    private const int BodyBytes = 64 * 1024;

    [Fact]
    public async Task Capture_BodyBetweenMeshedProxies_MarkerNotOnTheWire()
    {
        var ct = TestContext.Current.CancellationToken;
        var tshark = RequireCapture();
        var ca = TestMeshCa.Create();
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        await using var mesh = await MeshPair.StartAsync(ca, app.Port);

        var (capture, marker) = await CaptureAsync(tshark, mesh, mustContainMarker: false, ct);

        // The capture saw the connection (the ClientHello's ALPN is in clear) and every body byte (as
        // ciphertext), but never the marker.
        Assert.True(Contains(capture, "linnet.h2.v1"u8), "the capture must include the mesh ClientHello");
        Assert.True(capture.Length > BodyBytes, $"the capture holds {capture.Length} bytes, fewer than the body");
        Assert.False(Contains(capture, marker), "the marker crossed the wire in plaintext");
    }

    [Fact]
    public async Task Capture_BodyBetweenPlaintextProxies_MarkerVisible()
    {
        // The control: the same proxies without identity. Proves the capture can see plaintext.
        var ct = TestContext.Current.CancellationToken;
        var tshark = RequireCapture();
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        await using var mesh = await MeshPair.StartAsync(app.Port, new ProxyIdentity(false), new ProxyIdentity(false));

        var (capture, marker) = await CaptureAsync(tshark, mesh, mustContainMarker: true, ct);

        Assert.True(Contains(capture, marker), "the plaintext control capture must show the marker");
    }

    private static string RequireCapture()
    {
        var tshark = ExternalTool.Require("tshark");
        if (!Environment.IsPrivilegedProcess)
        {
            const string reason = "capturing on lo needs root";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(reason);
            }

            Assert.Skip(reason);
        }

        return tshark;
    }

    private static async Task<(byte[] Capture, byte[] Marker)> CaptureAsync(string tshark, MeshPair mesh, bool mustContainMarker, CancellationToken ct)
    {
        var marker = Encoding.ASCII.GetBytes($"LINNET-MARKER-{RandomNumberGenerator.GetHexString(16, lowercase: true)}");
        var body = new byte[BodyBytes];
        for (var i = 0; i < body.Length; i++)
        {
            body[i] = marker[i % marker.Length];
        }

        var file = Path.Combine(Path.GetTempPath(), $"linnet-capture-{RandomNumberGenerator.GetHexString(8, lowercase: true)}.pcap");
        var port = mesh.Server.Inbound.Port;
        await using var capture = await TestProcess.StartAsync(tshark,
            ["-i", "lo", "-f", $"port {port}", "-F", "pcap", "-w", file, "-a", "duration:120"], cancellationToken: ct);
        try
        {
            await capture.WaitForOutputAsync("Capturing on", TimeSpan.FromSeconds(30), ct);
            await ProveCapturingAsync(file, port, ct);

            using var response = await mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Post, "/echo", new ByteArrayContent(body)), ct);
            MeshPair.AssertOk(response);
            Assert.Equal(body, await response.Content.ReadAsByteArrayAsync(ct));

            // Packets reach the file a little after they crossed: wait (bounded) until the request and its
            // echo are in it, then stop tshark cleanly (SIGTERM flushes the file).
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (!deadline.IsCancellationRequested)
            {
                var sofar = ReadShared(file);
                if (mustContainMarker ? Contains(sofar, marker) : sofar.Length > 2 * BodyBytes)
                {
                    break;
                }

                await Task.Delay(50, ct);
            }

            await capture.StopAsync(TimeSpan.FromSeconds(10), ct);
            return (ReadShared(file), marker);
        }
        finally
        {
            File.Delete(file);
        }
    }

    // "Capturing on" can come a moment before packets are really captured: send UDP probes to the port (the
    // filter takes them; nothing listens, so nothing else sees them) until one is in the file.
    private static async Task ProveCapturingAsync(string file, int port, CancellationToken ct)
    {
        var probe = Encoding.ASCII.GetBytes($"LINNET-PROBE-{RandomNumberGenerator.GetHexString(8, lowercase: true)}");
        using var udp = new System.Net.Sockets.UdpClient();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!Contains(ReadShared(file), probe))
        {
            Assert.False(deadline.IsCancellationRequested, "tshark never captured the probe");
            await udp.SendAsync(probe, new IPEndPoint(IPAddress.Loopback, port), ct);
            await Task.Delay(100, ct);
        }
    }

    private static byte[] ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static bool Contains(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle) => haystack.IndexOf(needle) >= 0;
}
