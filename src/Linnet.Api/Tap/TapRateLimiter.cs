namespace Linnet.Api.Tap;

/// <summary>The rate limit of a tap: a token bucket that holds one second's worth of requests (at least one)
/// and refills continuously at <c>maxRps</c>, on the given <see cref="TimeProvider"/>. Over any interval of
/// t seconds it admits at most <c>max(1, maxRps) + maxRps × t</c> requests. Thread-safe.</summary>
public sealed class TapRateLimiter
{
    private readonly TimeProvider _time;
    private readonly double _rate;
    private readonly double _capacity;
    private readonly Lock _lock = new();
    private double _tokens;
    private long _last;

    /// <summary>Creates a full bucket.</summary>
    public TapRateLimiter(double maxRps, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (!(maxRps > 0) || double.IsInfinity(maxRps))
        {
            throw new ArgumentOutOfRangeException(nameof(maxRps), maxRps, "a tap's max rps must be a positive number");
        }

        _time = time;
        _rate = maxRps;
        _capacity = Math.Max(1, maxRps);
        _tokens = _capacity;
        _last = time.GetTimestamp();
    }

    /// <summary>The requests per second admitted in the long run.</summary>
    public double MaxRps => _rate;

    /// <summary>Takes one token if there is one.</summary>
    public bool TryAcquire()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_capacity, _tokens + (_time.GetElapsedTime(_last, now).TotalSeconds * _rate));
            _last = now;
            if (_tokens >= 1)
            {
                _tokens -= 1;
                return true;
            }

            return false;
        }
    }
}
