using System.Buffers.Binary;

namespace Linnet.Proxy.Tls;

/// <summary>Reads just enough of a peeked TLS ClientHello (RFC 8446 §4.1.2) to find its ALPN extension, so
/// that the inbound listener can tell a client proxy (which offers a <see cref="MeshAlpn"/> name) from an
/// app's own TLS, which must pass through untouched. Reads the first record only; a ClientHello spread over
/// several records is "other".</summary>
internal static class ClientHello
{
    /// <summary>The most bytes a first record can take (5-byte header + 2^14 + 256, RFC 8446 §5.2).</summary>
    public const int MaxRecord = 5 + 16384 + 256;

    private const byte HandshakeRecord = 0x16;
    private const byte ClientHelloMessage = 0x01;
    private const ushort AlpnExtension = 0x0010;

    /// <summary>Classifies <paramref name="peeked"/>, the connection's first bytes.</summary>
    public static ClientHelloKind Classify(ReadOnlySpan<byte> peeked)
    {
        if (peeked.Length < 5)
        {
            return peeked.Length == 0 || peeked[0] == HandshakeRecord ? ClientHelloKind.NeedMore : ClientHelloKind.Other;
        }

        if (peeked[0] != HandshakeRecord || peeked[1] != 0x03)
        {
            return ClientHelloKind.Other;
        }

        var recordLength = BinaryPrimitives.ReadUInt16BigEndian(peeked[3..]);
        if (5 + recordLength > MaxRecord)
        {
            return ClientHelloKind.Other;
        }

        if (peeked.Length < 5 + recordLength)
        {
            return ClientHelloKind.NeedMore;
        }

        return OffersMeshAlpn(peeked.Slice(5, recordLength)) ? ClientHelloKind.Mesh : ClientHelloKind.Other;
    }

    private static bool OffersMeshAlpn(ReadOnlySpan<byte> record)
    {
        var reader = new Reader(record);
        if (!reader.TryByte(out var type) || type != ClientHelloMessage || !reader.TrySkip(3))
        {
            return false;
        }

        // legacy_version, random, legacy_session_id, cipher_suites, legacy_compression_methods
        if (!reader.TrySkip(2 + 32) || !reader.TrySkipVector8() || !reader.TrySkipVector16() || !reader.TrySkipVector8())
        {
            return false;
        }

        if (!reader.TryVector16(out var extensions))
        {
            return false;
        }

        var ext = new Reader(extensions);
        while (ext.TryUInt16(out var extensionType))
        {
            if (!ext.TryVector16(out var data))
            {
                return false;
            }

            if (extensionType != AlpnExtension)
            {
                continue;
            }

            var alpn = new Reader(data);
            if (!alpn.TryVector16(out var names))
            {
                return false;
            }

            var list = new Reader(names);
            while (list.TryVector8(out var name))
            {
                if (MeshAlpn.IsMesh(name))
                {
                    return true;
                }
            }

            return false;
        }

        return false;
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _data = data;

        public bool TryByte(out byte value)
        {
            value = 0;
            if (_data.IsEmpty)
            {
                return false;
            }

            value = _data[0];
            _data = _data[1..];
            return true;
        }

        public bool TryUInt16(out ushort value)
        {
            value = 0;
            if (_data.Length < 2)
            {
                return false;
            }

            value = BinaryPrimitives.ReadUInt16BigEndian(_data);
            _data = _data[2..];
            return true;
        }

        public bool TrySkip(int count)
        {
            if (_data.Length < count)
            {
                return false;
            }

            _data = _data[count..];
            return true;
        }

        public bool TryVector8(out ReadOnlySpan<byte> value)
        {
            value = default;
            if (!TryByte(out var length) || _data.Length < length)
            {
                return false;
            }

            value = _data[..length];
            _data = _data[length..];
            return true;
        }

        public bool TryVector16(out ReadOnlySpan<byte> value)
        {
            value = default;
            if (!TryUInt16(out var length) || _data.Length < length)
            {
                return false;
            }

            value = _data[..length];
            _data = _data[length..];
            return true;
        }

        public bool TrySkipVector8() => TryVector8(out _);

        public bool TrySkipVector16() => TryVector16(out _);
    }
}
