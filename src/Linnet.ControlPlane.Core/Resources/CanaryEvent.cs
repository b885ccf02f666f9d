namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A canary event (Flagger's Kubernetes events): <c>Normal</c> or <c>Warning</c>, and its message.</summary>
public sealed record CanaryEvent(DateTimeOffset At, string Type, string Message);
