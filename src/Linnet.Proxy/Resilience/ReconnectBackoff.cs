namespace Linnet.Proxy.Resilience;

/// <summary>Exponential backoff with full jitter (AWS's "Exponential Backoff and Jitter"): the n-th
/// consecutive failure waits a uniformly random time in [0, min(max, initial·2ⁿ)), so that proxies that
/// lost the control plane together do not reconnect together.</summary>
internal sealed class ReconnectBackoff
{
    /// <summary>The ceiling of the first wait.</summary>
    public static readonly TimeSpan DefaultInitial = TimeSpan.FromMilliseconds(100);

    /// <summary>The ceiling no wait exceeds.</summary>
    public static readonly TimeSpan DefaultMax = TimeSpan.FromSeconds(5);

    private readonly Random _random;
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;

    /// <summary>Uses <paramref name="random"/> for jitter (seed it in tests); not safe for concurrent use.</summary>
    public ReconnectBackoff(Random random, TimeSpan? initial = null, TimeSpan? max = null)
    {
        _random = random;
        _initial = initial ?? DefaultInitial;
        _max = max ?? DefaultMax;
    }

    /// <summary>The ceiling of the wait after <paramref name="attempt"/> consecutive failures (0 for the first).</summary>
    public TimeSpan Ceiling(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);

        // Past 2^20 the ceiling is long since clamped; stopping there keeps the shift from overflowing.
        var ticks = _initial.Ticks * (1L << Math.Min(attempt, 20));
        return TimeSpan.FromTicks(Math.Min(ticks, _max.Ticks));
    }

    /// <summary>How long to wait before reconnecting after <paramref name="attempt"/> consecutive failures.</summary>
    public TimeSpan Next(int attempt) => TimeSpan.FromTicks((long)(_random.NextDouble() * Ceiling(attempt).Ticks));
}
