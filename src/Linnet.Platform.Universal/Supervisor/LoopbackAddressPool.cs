using System.Buffers.Binary;
using System.Net;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>Gives each instance a loopback address of its own (a pod IP's role): the lowest free one from
/// the first address upward, skipping host bytes 0 and 255 and addresses something else already uses.
/// An instance keeps its address until it is released. Not thread-safe: the reconcile loop owns it.</summary>
internal sealed class LoopbackAddressPool
{
    private const uint LoopbackLast = 0x7FFF_FFFE; // 127.255.255.254

    private readonly uint _first;
    private readonly uint _last = LoopbackLast;
    private readonly Func<IPAddress, bool> _isFree;
    private readonly Dictionary<InstanceKey, uint> _assigned = [];
    private readonly HashSet<uint> _used = [];

    /// <summary>Creates a pool starting at <paramref name="first"/>; <paramref name="isFree"/> vetoes
    /// addresses that are taken outside the pool.</summary>
    public LoopbackAddressPool(IPAddress first, Func<IPAddress, bool> isFree)
    {
        ArgumentNullException.ThrowIfNull(first);
        var bytes = first.GetAddressBytes();
        if (bytes.Length != 4 || bytes[0] != 127)
        {
            throw new ArgumentException($"{first} is not in 127.0.0.0/8", nameof(first));
        }

        _first = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        _isFree = isFree;
    }

    /// <summary>Creates a pool of <paramref name="first"/>..<paramref name="last"/> in any IPv4 range (isolated
    /// instances' pod addresses).</summary>
    public LoopbackAddressPool(IPAddress first, IPAddress last, Func<IPAddress, bool> isFree)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(last);
        _first = BinaryPrimitives.ReadUInt32BigEndian(first.GetAddressBytes());
        _last = BinaryPrimitives.ReadUInt32BigEndian(last.GetAddressBytes());
        _isFree = isFree;
    }

    /// <summary>The address of <paramref name="key"/>: the one it has, else <paramref name="preferred"/> when
    /// that one is free (the address it had in an earlier run), else the lowest free one.</summary>
    public IPAddress Allocate(InstanceKey key, IPAddress? preferred = null)
    {
        if (_assigned.TryGetValue(key, out var existing))
        {
            return ToAddress(existing);
        }

        if (preferred is not null && preferred.GetAddressBytes() is [_, _, _, var last] bytes && last is not (0 or 255)
            && BinaryPrimitives.ReadUInt32BigEndian(bytes) is var wanted && wanted >= _first && wanted <= _last && !_used.Contains(wanted) && _isFree(preferred))
        {
            _assigned[key] = wanted;
            _used.Add(wanted);
            return preferred;
        }

        for (var candidate = _first; candidate <= _last; candidate++)
        {
            var host = candidate & 0xFF;
            if (host is 0 or 255 || _used.Contains(candidate) || !_isFree(ToAddress(candidate)))
            {
                continue;
            }

            _assigned[key] = candidate;
            _used.Add(candidate);
            return ToAddress(candidate);
        }

        throw new InvalidOperationException($"no free address left in {ToAddress(_first)}..{ToAddress(_last)}");
    }

    /// <summary>Frees <paramref name="key"/>'s address, if it has one.</summary>
    public void Release(InstanceKey key)
    {
        if (_assigned.Remove(key, out var address))
        {
            _used.Remove(address);
        }
    }

    private static IPAddress ToAddress(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
