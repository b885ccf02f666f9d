namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Flagger's <c>service</c>: the apex Service's name (default: the target's), its port, the port
/// name (default <c>http</c>) and the workload port it forwards to (default: the port).</summary>
public sealed record CanaryServiceSpec(string? Name, int Port, string PortName, int? TargetPort);
