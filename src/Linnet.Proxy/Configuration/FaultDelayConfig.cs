namespace Linnet.Proxy.Configuration;

/// <summary>Hold a share of requests for a fixed time before forwarding them.</summary>
/// <param name="Delay">How long.</param>
/// <param name="Percent">0 to 100, fractions allowed.</param>
internal sealed record FaultDelayConfig(TimeSpan Delay, double Percent);
