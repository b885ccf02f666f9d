using System.Buffers.Binary;
using System.Net;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>Gives each instance a loopback address of its own (a pod IP's role): the lowest free one from
/// the first address upward, skipping host bytes 0 and 255 and addresses something else already uses.
/// An instance keeps its address (and the claim on it, see <see cref="AddressLease"/>) until it is released.
/// Not thread-safe: the reconcile loop owns it.</summary>
internal sealed class LoopbackAddressPool
{
    private const uint LoopbackLast = 0x7FFF_FFFE; // 127.255.255.254

    private readonly uint _first;
    private readonly uint _last = LoopbackLast;
    private readonly Func<IPAddress, AddressLease?> _claim;
    private readonly Dictionary<InstanceKey, uint> _assigned = [];
    private readonly Dictionary<uint, AddressLease> _used = [];

    /// <summary>Creates a pool starting at <paramref name="first"/>; <paramref name="claim"/> takes an address for
    /// the pool, or returns null when it is taken outside the pool.</summary>
    public LoopbackAddressPool(IPAddress first, Func<IPAddress, AddressLease?> claim)
    {
        ArgumentNullException.ThrowIfNull(first);
        var bytes = first.GetAddressBytes();
        if (bytes.Length != 4 || bytes[0] != 127)
        {
            throw new ArgumentException($"{first} is not in 127.0.0.0/8", nameof(first));
        }

        _first = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        _claim = claim;
    }

    /// <summary>Creates a pool of <paramref name="first"/>..<paramref name="last"/> in any IPv4 range (isolated
    /// instances' pod addresses).</summary>
    public LoopbackAddressPool(IPAddress first, IPAddress last, Func<IPAddress, AddressLease?> claim)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(last);
        _first = BinaryPrimitives.ReadUInt32BigEndian(first.GetAddressBytes());
        _last = BinaryPrimitives.ReadUInt32BigEndian(last.GetAddressBytes());
        _claim = claim;
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
            && BinaryPrimitives.ReadUInt32BigEndian(bytes) is var wanted && wanted >= _first && wanted <= _last && !_used.ContainsKey(wanted)
            && _claim(preferred) is { } held)
        {
            _assigned[key] = wanted;
            _used[wanted] = held;
            return preferred;
        }

        for (var candidate = _first; candidate <= _last; candidate++)
        {
            var host = candidate & 0xFF;
            if (host is 0 or 255 || _used.ContainsKey(candidate) || _claim(ToAddress(candidate)) is not { } lease)
            {
                continue;
            }

            _assigned[key] = candidate;
            _used[candidate] = lease;
            return ToAddress(candidate);
        }

        throw new InvalidOperationException($"no free address left in {ToAddress(_first)}..{ToAddress(_last)}");
    }

    /// <summary>Frees <paramref name="key"/>'s address, if it has one.</summary>
    public void Release(InstanceKey key)
    {
        if (_assigned.Remove(key, out var address) && _used.Remove(address, out var lease))
        {
            lease.Dispose();
        }
    }

    private static IPAddress ToAddress(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
