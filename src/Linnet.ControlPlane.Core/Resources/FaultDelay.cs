namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Hold a share of requests for <paramref name="FixedDelay"/> before forwarding them.</summary>
public sealed record FaultDelay(TimeSpan FixedDelay, double Percent);
