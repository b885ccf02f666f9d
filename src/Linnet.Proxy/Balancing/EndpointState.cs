using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Balancing;

/// <summary>One endpoint and what the balancer knows of it. Kept across config updates while the
/// endpoint stays, so that in-flight counts and latency estimates survive.</summary>
public sealed class EndpointState
{
    /// <summary>The RTT estimate before any sample (Linkerd's default).</summary>
    public static readonly TimeSpan DefaultRtt = TimeSpan.FromMilliseconds(30);

    /// <summary>How quickly the estimate forgets a slow sample (Linkerd's default).</summary>
    public static readonly TimeSpan Decay = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private int _pending;
    private double _estimateMs;
    private long _updatedAt;

    /// <summary>Creates the state for <paramref name="config"/>; <paramref name="time"/> times the decay and
    /// the circuit breaker's penalties; <paramref name="random"/> (thread-safe) draws their jitter.</summary>
    public EndpointState(EndpointConfig config, TimeProvider time, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(time);
        Config = config;
        HttpPrefix = $"http://{config.Address}";
        _time = time;
        _estimateMs = DefaultRtt.TotalMilliseconds;
        _updatedAt = time.GetTimestamp();
        Breaker = new FailureAccrual(time, random ?? Random.Shared);
    }

    /// <summary>The label part of the series of requests sent here (tls + <c>dst_*</c>), for the config and
    /// tls label it was rendered from (Telemetry: rendered once per endpoint, not per request).</summary>
    internal Tuple<EndpointConfig, string, string>? SeriesLabels { get; set; }

    /// <summary>The endpoint's circuit breaker: balancers skip the endpoint while it is ejected.</summary>
    public FailureAccrual Breaker { get; }

    /// <summary>The endpoint's address and weight.</summary>
    public EndpointConfig Config { get; internal set; }

    /// <summary>The destination prefix handed to the forwarder, built once.</summary>
    public string HttpPrefix { get; }

    /// <summary>Requests and streams in flight to this endpoint.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>The peak-EWMA round-trip estimate, in milliseconds.</summary>
    public double RttEstimateMs
    {
        get
        {
            // As in Linkerd's peak-EWMA, the estimate ages toward zero while no sample refreshes it, so an
            // endpoint that stopped being chosen (it was slow once, or it is new) is tried again in time.
            var estimate = Volatile.Read(ref _estimateMs);
            var idle = _time.GetElapsedTime(Volatile.Read(ref _updatedAt));
            return estimate * Math.Exp(-idle.TotalMilliseconds / Decay.TotalMilliseconds);
        }
    }

    /// <summary>True once a request to this endpoint has completed.</summary>
    public bool HasSamples { get; private set; }

    /// <summary>Starts a new endpoint at its peers' estimate rather than the default, so that an endpoint
    /// added to a busy service gets its share at once instead of waiting for its default to age away.</summary>
    internal void Seed(double estimateMs)
    {
        lock (_lock)
        {
            if (!HasSamples)
            {
                Volatile.Write(ref _estimateMs, estimateMs);
                Volatile.Write(ref _updatedAt, _time.GetTimestamp());
            }
        }
    }

    /// <summary>The balancer's cost: estimate × (pending + 1) ÷ weight; infinite for weight 0.</summary>
    public double Cost
    {
        get
        {
            var weight = Config.Weight;
            return weight <= 0 ? double.PositiveInfinity : RttEstimateMs * (Pending + 1) / weight;
        }
    }

    /// <summary>Marks the start of a request; call <see cref="End"/> when it ends.</summary>
    public void Begin() => Interlocked.Increment(ref _pending);

    /// <summary>Marks the end of a request.</summary>
    public void End() => Interlocked.Decrement(ref _pending);

    /// <summary>Feeds one completed request's latency: a slower sample than the estimate replaces it
    /// (peak), a faster one is blended in with weight <c>1 - exp(-elapsed / decay)</c>, elapsed being the
    /// time since the previous update.</summary>
    public void Observe(TimeSpan latency)
    {
        var rtt = Math.Max(0, latency.TotalMilliseconds);
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            if (rtt > _estimateMs)
            {
                Volatile.Write(ref _estimateMs, rtt);
            }
            else
            {
                var elapsed = _time.GetElapsedTime(_updatedAt, now);
                var w = Math.Exp(-elapsed.TotalMilliseconds / Decay.TotalMilliseconds);
                Volatile.Write(ref _estimateMs, (_estimateMs * w) + (rtt * (1 - w)));
            }

            Volatile.Write(ref _updatedAt, now);
            HasSamples = true;
        }
    }

    /// <summary>Feeds a failed request: counted as a sample of at least the current estimate, so that an
    /// endpoint failing fast never looks faster for it.</summary>
    public void ObserveFailure(TimeSpan elapsed) =>
        Observe(TimeSpan.FromMilliseconds(Math.Max(elapsed.TotalMilliseconds, RttEstimateMs)));
}
