using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Balancing;

/// <summary>One endpoint and what the balancer knows of it. Kept across config updates while the
/// endpoint stays, so that in-flight counts and latency estimates survive.</summary>
public sealed class EndpointState
{
    private int _pending;

    /// <summary>Creates the state for <paramref name="config"/>.</summary>
    public EndpointState(EndpointConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        HttpPrefix = $"http://{config.Address}";
    }

    /// <summary>The endpoint's address and weight.</summary>
    public EndpointConfig Config { get; internal set; }

    /// <summary>The destination prefix handed to the forwarder, built once.</summary>
    public string HttpPrefix { get; }

    /// <summary>Requests and streams in flight to this endpoint.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Marks the start of a request; dispose the result when it ends.</summary>
    public void Begin() => Interlocked.Increment(ref _pending);

    /// <summary>Marks the end of a request.</summary>
    public void End() => Interlocked.Decrement(ref _pending);
}
