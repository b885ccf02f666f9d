namespace Linnet.ControlPlane.Core.Resources;

/// <summary>One of Flagger's <c>analysis.alerts</c>: which alerts (<c>severity</c>: <c>info</c> all, <c>warn</c>
/// warnings and errors, <c>error</c> errors only) go to which AlertProvider.</summary>
public sealed record CanaryAlertRef(string Name, string Severity, string ProviderName, string? ProviderNamespace);
