namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Linnet's <c>LinnetFaultInjection</c> filter: an abort, a delay, or both.</summary>
public sealed record FaultInjection(FaultAbort? Abort, FaultDelay? Delay);
