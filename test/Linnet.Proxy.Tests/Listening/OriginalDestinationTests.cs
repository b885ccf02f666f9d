using System.Net;
using System.Net.Sockets;
using Linnet.Proxy.Listening;

namespace Linnet.Proxy.Tests.Listening;

public sealed class OriginalDestinationTests
{
    [Fact]
    public void Parse_SockaddrIn_ReadsAddressAndPort()
    {
        byte[] raw = [2, 0, 0x1F, 0x90, 10, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 8080), OriginalDestination.Parse(raw));
    }

    [Fact]
    public void Parse_SockaddrIn6_ReadsAddressAndPort()
    {
        var raw = new byte[28];
        raw[0] = 10;
        raw[2] = 0x01;
        raw[3] = 0xBB;
        IPAddress.Parse("fd00::7").GetAddressBytes().CopyTo(raw, 8);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("fd00::7"), 443), OriginalDestination.Parse(raw));
    }

    [Fact]
    public void Parse_UnknownFamily_IsNull() => Assert.Null(OriginalDestination.Parse(new byte[16]));

    [Fact]
    public async Task Get_NotRedirected_IsNull()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint, TestContext.Current.CancellationToken);
        using var accepted = await listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
        Assert.Null(OriginalDestination.Get(accepted));
    }
}
