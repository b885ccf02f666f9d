namespace Linnet.Proxy.Configuration;

/// <summary>One address that serves a service port.</summary>
internal sealed record EndpointConfig(string Host, int Port, int Weight = 1)
{
    /// <summary>The endpoint as <c>host:port</c>.</summary>
    public string Address => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    /// <summary>The identity the endpoint's proxy must present (<c>spiffe://…</c>): set only for meshed
    /// endpoints, which are then reached over mTLS when this proxy has an identity itself. Null: plaintext, straight to the endpoint.</summary>
    public string? Identity { get; init; }

    /// <summary>The endpoint's <c>dst_*</c> metric labels, rendered (<see cref="DstLabels"/>): those
    /// discovery sent for the endpoint and for its service. "": none (a static config's endpoints).</summary>
    public string MetricLabels { get; init; } = "";
}
