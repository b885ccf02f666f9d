using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Balancing;

/// <summary>One endpoint and what the balancer knows of it. Kept across config updates while the
/// endpoint stays, so that in-flight counts and latency estimates survive.</summary>
internal sealed class EndpointState
{
    /// <summary>The RTT estimate before any sample (Linkerd's default).</summary>
    public static readonly TimeSpan DefaultRtt = TimeSpan.FromMilliseconds(30);

    /// <summary>How quickly the estimate forgets a slow sample (Linkerd's default).</summary>
    public static readonly TimeSpan Decay = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private int _pending;
    private long _connectedAt;
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

    /// <summary>The peak-EWMA round-trip estimate, in milliseconds. Reading it decays it in place, as
    /// Linkerd's balancer does (tower's <c>PeakEwma::load</c>): the estimate ages toward zero with time
    /// constant <see cref="Decay"/> and the aged value is stored, so that a sample taken after idling is
    /// compared with, and blended into, what the balancer last saw rather than the stale peak.</summary>
    public double RttEstimateMs
    {
        get
        {
            lock (_lock)
            {
                return DecayLocked(_time.GetTimestamp());
            }
        }
    }

    /// <summary>True once a request to this endpoint has completed.</summary>
    public bool HasSamples { get; private set; }

    /// <summary>Whether the endpoint has never been measured and has nothing in flight: the balancer tries such
    /// an endpoint before comparing costs (Finagle's peak-EWMA, from which tower's is derived, costs it 0), so
    /// that every endpoint is measured once instead of the first one measured keeping the traffic while the
    /// others' default estimate ages away.</summary>
    public bool Unmeasured => !HasSamples && Pending == 0;

    /// <summary>Starts a new endpoint at its peers' estimate rather than the default, so that an endpoint
    /// added to a busy service gets its share at once instead of waiting for its default to age away.</summary>
    internal void Seed(double estimateMs)
    {
        lock (_lock)
        {
            if (!HasSamples)
            {
                _estimateMs = estimateMs;
                _updatedAt = _time.GetTimestamp();
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

    /// <summary>When a new connection to this endpoint last became ready to carry requests (a
    /// <see cref="TimeProvider.GetTimestamp"/> value; 0 before the first).</summary>
    public long ConnectedAt => Interlocked.Read(ref _connectedAt);

    /// <summary>Notes that a new connection to this endpoint (TCP connect, and the mesh TLS handshake when
    /// meshed) is ready at <paramref name="timestamp"/>.</summary>
    public void OnConnected(long timestamp) => Interlocked.Exchange(ref _connectedAt, timestamp);

    /// <summary>The latency sample of a request sent at <paramref name="sentAt"/> and answered at
    /// <paramref name="answeredAt"/>: measured from when the request could reach the endpoint, so not from
    /// before a new connection to it became ready. Connection setup is not the endpoint's response time, and
    /// Linkerd's balancer dispatches only to endpoints whose connection is ready; counting it would make the
    /// endpoint that took the first request look many times slower than its peers for a minute (the peak
    /// takes <c>ln(peak / rtt) × 10 s</c> to decay).</summary>
    public TimeSpan SampleBetween(long sentAt, long answeredAt)
    {
        var connected = ConnectedAt;
        var from = connected > sentAt && connected <= answeredAt ? connected : sentAt;
        return _time.GetElapsedTime(from, answeredAt);
    }

    /// <summary>Marks the start of a request; call <see cref="End"/> when it ends.</summary>
    public void Begin() => Interlocked.Increment(ref _pending);

    /// <summary>Marks the end of a request.</summary>
    public void End() => Interlocked.Decrement(ref _pending);

    /// <summary>Feeds one request's latency (to its response head), as tower's <c>RttEstimate::update</c>:
    /// a sample slower than the current estimate replaces it (peak); a faster one is blended in with weight
    /// <c>1 - exp(-elapsed / decay)</c>, elapsed being the time since the estimate was last updated or
    /// read. The first sample replaces the default (or seeded) estimate whatever its value: the default is a
    /// stand-in until the endpoint has been measured (tower's "until a meaningful baseline can be
    /// established"), and blending a 2 ms sample into it at the weight of a 2 ms interval would leave the
    /// endpoint at ~30 ms, looking like every unmeasured peer for ln(30 / 2) × 10 s = 27 s.</summary>
    public void Observe(TimeSpan latency)
    {
        var rtt = Math.Max(0, latency.TotalMilliseconds);
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            if (rtt > _estimateMs || !HasSamples)
            {
                _estimateMs = rtt;
            }
            else
            {
                var elapsed = _time.GetElapsedTime(_updatedAt, now);
                var w = Math.Exp(-elapsed.TotalMilliseconds / Decay.TotalMilliseconds);
                _estimateMs = (_estimateMs * w) + (rtt * (1 - w));
            }

            _updatedAt = now;
            HasSamples = true;
        }
    }

    // Ages the estimate to now and stores it (an update with a zero sample, as tower's RttEstimate::decay).
    private double DecayLocked(long now)
    {
        var elapsed = _time.GetElapsedTime(_updatedAt, now);
        if (elapsed > TimeSpan.Zero)
        {
            _estimateMs *= Math.Exp(-elapsed.TotalMilliseconds / Decay.TotalMilliseconds);
            _updatedAt = now;
        }

        return _estimateMs;
    }

    /// <summary>Feeds a failed request: counted as a sample of at least the current estimate, so that an
    /// endpoint failing fast never looks faster for it.</summary>
    public void ObserveFailure(TimeSpan elapsed) =>
        Observe(TimeSpan.FromMilliseconds(Math.Max(elapsed.TotalMilliseconds, RttEstimateMs)));
}
