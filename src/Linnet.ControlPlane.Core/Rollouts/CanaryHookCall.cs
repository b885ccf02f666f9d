namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>A webhook the state machine needs the answer of before it can decide the step: the index of the
/// hook in <c>analysis.webhooks</c> and the phase its payload carries.</summary>
public sealed record CanaryHookCall(int Index, string Phase);
