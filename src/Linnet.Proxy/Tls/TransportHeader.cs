using System.Buffers.Binary;

namespace Linnet.Proxy.Tls;

/// <summary>The few bytes a client proxy sends first on an opaque-TCP mesh connection (ALPN
/// <see cref="MeshAlpn.TransportName"/>), naming the port the bytes are for:
/// <code>
/// u16 length N   (big-endian; the bytes that follow, 2..MaxLength)
/// u16 port       (big-endian; 1..65535)
/// N-2 bytes      reserved for later fields; a reader skips them
/// </code>
/// Fixed fields rather than protobuf: one field today, and a reader that needs no parser.</summary>
internal static class TransportHeader
{
    /// <summary>The longest header accepted (after its length field); anything longer is not ours.</summary>
    public const int MaxLength = 1024;

    /// <summary>Version 1's encoding of <paramref name="port"/>.</summary>
    public static byte[] Encode(int port)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        var header = new byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(header, 2);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)port);
        return header;
    }

    /// <summary>Reads a header from the start of <paramref name="stream"/>, consuming exactly its bytes.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a header: the caller closes the connection.</exception>
    public static async Task<int> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var prefix = new byte[2];
        await ReadExactlyAsync(stream, prefix, cancellationToken);
        var length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
        if (length is < 2 or > MaxLength)
        {
            throw new InvalidDataException($"transport header length {length} is outside 2..{MaxLength}");
        }

        var body = new byte[length];
        await ReadExactlyAsync(stream, body, cancellationToken);
        var port = BinaryPrimitives.ReadUInt16BigEndian(body);
        if (port == 0)
        {
            throw new InvalidDataException("transport header names port 0");
        }

        return port;
    }

    private static async Task ReadExactlyAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("connection ended inside the transport header", ex);
        }
    }
}
