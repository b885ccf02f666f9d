namespace Linnet.Proxy.Resilience;

/// <summary>A seeded <see cref="Random"/> that every request of a proxy may share: its draws are serialized,
/// so a seed gives one sequence (repeatable percentages in tests) and concurrent use cannot corrupt it.</summary>
internal sealed class SynchronizedRandom(int seed) : Random
{
    private readonly Random _inner = new(seed);
    private readonly Lock _lock = new();

    /// <inheritdoc />
    public override int Next()
    {
        lock (_lock)
        {
            return _inner.Next();
        }
    }

    /// <inheritdoc />
    public override int Next(int maxValue)
    {
        lock (_lock)
        {
            return _inner.Next(maxValue);
        }
    }

    /// <inheritdoc />
    public override int Next(int minValue, int maxValue)
    {
        lock (_lock)
        {
            return _inner.Next(minValue, maxValue);
        }
    }

    /// <inheritdoc />
    public override long NextInt64()
    {
        lock (_lock)
        {
            return _inner.NextInt64();
        }
    }

    /// <inheritdoc />
    public override long NextInt64(long maxValue)
    {
        lock (_lock)
        {
            return _inner.NextInt64(maxValue);
        }
    }

    /// <inheritdoc />
    public override long NextInt64(long minValue, long maxValue)
    {
        lock (_lock)
        {
            return _inner.NextInt64(minValue, maxValue);
        }
    }

    /// <inheritdoc />
    public override double NextDouble()
    {
        lock (_lock)
        {
            return _inner.NextDouble();
        }
    }

    /// <inheritdoc />
    public override float NextSingle()
    {
        lock (_lock)
        {
            return _inner.NextSingle();
        }
    }

    /// <inheritdoc />
    public override void NextBytes(byte[] buffer)
    {
        lock (_lock)
        {
            _inner.NextBytes(buffer);
        }
    }

    /// <inheritdoc />
    public override void NextBytes(Span<byte> buffer)
    {
        lock (_lock)
        {
            _inner.NextBytes(buffer);
        }
    }

    /// <inheritdoc />
    protected override double Sample() => NextDouble();
}
