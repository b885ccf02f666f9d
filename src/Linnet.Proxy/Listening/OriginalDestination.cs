using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Linnet.Proxy.Listening;

/// <summary>Reads where a connection was headed before an iptables <c>REDIRECT</c> sent it to the proxy
/// (netfilter's <c>SO_ORIGINAL_DST</c>).</summary>
internal static class OriginalDestination
{
    private const int SolIp = 0;
    private const int SolIpv6 = 41;
    private const int SoOriginalDst = 80;

    /// <summary>The original destination, or null when the connection was not redirected (no NAT entry,
    /// or the destination is the listener itself).</summary>
    public static IPEndPoint? Get(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (!OperatingSystem.IsLinux() || socket.LocalEndPoint is not IPEndPoint local)
        {
            return null;
        }

        Span<byte> raw = stackalloc byte[28];
        var v6 = local.AddressFamily == AddressFamily.InterNetworkV6 && !local.Address.IsIPv4MappedToIPv6;
        var length = (uint)raw.Length;
        int result;
        unsafe
        {
            fixed (byte* buffer = raw)
            {
                result = NativeMethods.GetSockOpt(socket.SafeHandle, v6 ? SolIpv6 : SolIp, SoOriginalDst, buffer, ref length);
            }
        }

        if (result != 0)
        {
            return null;
        }

        var original = Parse(raw[..(int)length]);

        if (original is null)
        {
            return null;
        }

        var localAddress = local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address;
        return original.Port == local.Port && original.Address.Equals(localAddress) ? null : original;
    }

    /// <summary>Parses a Linux <c>sockaddr_in</c> or <c>sockaddr_in6</c>.</summary>
    internal static IPEndPoint? Parse(ReadOnlySpan<byte> sockaddr)
    {
        if (sockaddr.Length < 8)
        {
            return null;
        }

        var family = BinaryPrimitives.ReadUInt16LittleEndian(sockaddr);
        var port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);
        return family switch
        {
            2 => new IPEndPoint(new IPAddress(sockaddr.Slice(4, 4)), port),
            10 when sockaddr.Length >= 24 => new IPEndPoint(new IPAddress(sockaddr.Slice(8, 16)), port),
            _ => null,
        };
    }
}
