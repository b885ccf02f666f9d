namespace Linnet.Proxy.Configuration;

/// <summary>Injected faults (Linnet's filter). A request may be delayed, then aborted; each is decided
/// independently with its own percentage.</summary>
internal sealed record FaultConfig(FaultAbortConfig? Abort, FaultDelayConfig? Delay);
