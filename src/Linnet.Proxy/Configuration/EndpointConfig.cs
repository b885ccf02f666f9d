namespace Linnet.Proxy.Configuration;

/// <summary>One address that serves a service port.</summary>
public sealed record EndpointConfig(string Host, int Port, int Weight = 1)
{
    /// <summary>The endpoint as <c>host:port</c>.</summary>
    public string Address => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
