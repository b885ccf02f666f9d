using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Balancing;

/// <summary>Circuit breaking for one endpoint (Linkerd's consecutive-failures accrual): after
/// <see cref="CircuitBreakerConfig.ConsecutiveFailures"/> failures in a row the endpoint is ejected from
/// balancing for a penalty that doubles with each ejection in a row (with jitter, capped); when the
/// penalty is over, exactly one probation request is let through: its success readmits the endpoint and
/// resets the backoff, its failure ejects it again for longer.</summary>
/// <remarks>The hot path (an endpoint in good standing) is a volatile read to check and, after a
/// success, a read that sees no failures to forget: no lock and no write per request.</remarks>
internal sealed class FailureAccrual
{
    private const int Closed = 0;
    private const int Ejected = 1;
    private const int Probing = 2;

    /// <summary>How long a probation request may take to report before another request gets the turn.</summary>
    public static readonly TimeSpan ProbationTimeout = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly Lock _lock = new();
    private int _state;
    private int _consecutiveFailures;
    private int _ejectionsInARow;
    private long _readmitAt;
    private long _ejections;

    /// <summary>Creates the accrual; <paramref name="random"/> draws the jitter (shared: must be thread-safe).</summary>
    public FailureAccrual(TimeProvider time, Random random)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(random);
        _time = time;
        _random = random;
    }

    /// <summary>The service's policy; null: the endpoint is never ejected. Updated with each snapshot.</summary>
    public CircuitBreakerConfig? Config { get; set; }

    /// <summary>Whether the endpoint is ejected or on probation (not yet readmitted).</summary>
    public bool IsEjected => Volatile.Read(ref _state) != Closed;

    /// <summary>Whether a balancer may choose the endpoint: in good standing, or due a probation request.</summary>
    public bool IsAvailable =>
        Volatile.Read(ref _state) == Closed || _time.GetTimestamp() >= Volatile.Read(ref _readmitAt);

    /// <summary>Total ejections so far, for the ejections counter.</summary>
    public long Ejections => Interlocked.Read(ref _ejections);

    /// <summary>Claims the endpoint for one request: always for an endpoint in good standing; for an ejected
    /// one whose penalty is over, only the first caller (that request is the probation).</summary>
    public bool TryAcquire()
    {
        if (Volatile.Read(ref _state) == Closed)
        {
            return true;
        }

        lock (_lock)
        {
            var now = _time.GetTimestamp();
            if (_state == Closed)
            {
                return true;
            }

            if (now < _readmitAt)
            {
                return false;
            }

            // A probation that never reports (an opaque TCP connection, a stream that outlives it) gives
            // its turn to another request after a while rather than keeping the endpoint out for good.
            Volatile.Write(ref _state, Probing);
            Volatile.Write(ref _readmitAt, now + (long)(ProbationTimeout.TotalSeconds * _time.TimestampFrequency));
            return true;
        }
    }

    /// <summary>A request to the endpoint succeeded: forget failures; a probation success readmits.</summary>
    public void OnSuccess()
    {
        if (Volatile.Read(ref _state) == Closed && Volatile.Read(ref _consecutiveFailures) == 0)
        {
            return;
        }

        lock (_lock)
        {
            _consecutiveFailures = 0;
            if (_state == Probing)
            {
                _ejectionsInARow = 0;
                Volatile.Write(ref _state, Closed);
            }
        }
    }

    /// <summary>A request to the endpoint failed (5xx or no connection). Returns true when this failure
    /// ejected the endpoint.</summary>
    public bool OnFailure()
    {
        var config = Config;
        if (config is null || config.ConsecutiveFailures <= 0)
        {
            return false;
        }

        lock (_lock)
        {
            switch (_state)
            {
                case Closed:
                    if (++_consecutiveFailures < config.ConsecutiveFailures)
                    {
                        return false;
                    }

                    break;
                case Probing:
                    break;
                default:
                    // Already ejected: a request that was in flight when it was ejected changes nothing.
                    return false;
            }

            Eject(config);
            return true;
        }
    }

    /// <summary>A request ended with no verdict on the endpoint (the client went away): a probation
    /// request gives its turn to the next one.</summary>
    public void OnAbandoned()
    {
        if (Volatile.Read(ref _state) != Probing)
        {
            return;
        }

        lock (_lock)
        {
            if (_state == Probing)
            {
                Volatile.Write(ref _state, Ejected);
                Volatile.Write(ref _readmitAt, _time.GetTimestamp());
            }
        }
    }

    // Called under the lock.
    private void Eject(CircuitBreakerConfig config)
    {
        var doublings = Math.Min(_ejectionsInARow, 30);
        var penaltyMs = Math.Min(config.MaxPenalty.TotalMilliseconds, config.MinPenalty.TotalMilliseconds * Math.Pow(2, doublings));
        if (config.JitterRatio > 0)
        {
            // Jitter spreads the probes of endpoints ejected together (one bad deploy) over time.
            penaltyMs = Math.Min(config.MaxPenalty.TotalMilliseconds, penaltyMs * (1 + (config.JitterRatio * _random.NextDouble())));
        }

        _ejectionsInARow++;
        _consecutiveFailures = 0;
        Interlocked.Increment(ref _ejections);
        Volatile.Write(ref _readmitAt, _time.GetTimestamp() + (long)(penaltyMs * _time.TimestampFrequency / 1000.0));
        Volatile.Write(ref _state, Ejected);
    }
}
