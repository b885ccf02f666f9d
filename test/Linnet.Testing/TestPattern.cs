namespace Linnet.Testing;

/// <summary>
/// The deterministic byte pattern served by <see cref="HttpTestApp"/>'s <c>/bytes</c>, <c>/chunked</c> and
/// <c>/stream</c> endpoints: the byte at absolute offset <c>i</c> is <c>i % 251</c>.
/// </summary>
public static class TestPattern
{
    /// <summary>Period of the pattern (a prime, so it never lines up with power-of-two buffer sizes).</summary>
    public const int Period = 251;

    /// <summary>The pattern byte at the given absolute offset.</summary>
    public static byte At(long offset) => (byte)(offset % Period);

    /// <summary>Fills <paramref name="destination"/> with the pattern starting at absolute <paramref name="offset"/>.</summary>
    public static void Fill(Span<byte> destination, long offset)
    {
        var value = (int)(offset % Period);
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (byte)value;
            value++;
            if (value == Period)
            {
                value = 0;
            }
        }
    }

    /// <summary>Creates a new array holding the first <paramref name="length"/> pattern bytes.</summary>
    public static byte[] Create(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var bytes = new byte[length];
        Fill(bytes, 0);
        return bytes;
    }

    /// <summary>
    /// Returns the index within <paramref name="data"/> of the first byte that does not match the pattern
    /// (with <paramref name="data"/>[0] at absolute <paramref name="offset"/>), or -1 when all bytes match.
    /// </summary>
    public static int FindMismatch(ReadOnlySpan<byte> data, long offset)
    {
        var value = (int)(offset % Period);
        for (var i = 0; i < data.Length; i++)
        {
            if (data[i] != value)
            {
                return i;
            }

            value++;
            if (value == Period)
            {
                value = 0;
            }
        }

        return -1;
    }
}
