using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>The outcome of one step: the Canary's next status and the resources to write with it, in one
/// commit (so a restart finds either all of a step or none of it).</summary>
public sealed record CanaryStep(CanaryStatus Status, IReadOnlyList<Resource> Writes)
{
    /// <summary>Webhooks whose answers the step needs: when not empty the step is not decided (no status, no
    /// writes); the controller calls them and asks again with their results in the observation.</summary>
    public IReadOnlyList<CanaryHookCall> Pending { get; init; } = [];

    /// <summary>The events this step recorded (sent to <c>event</c> webhooks once committed).</summary>
    public IReadOnlyList<CanaryEvent> NewEvents { get; init; } = [];

    /// <summary>The alerts this step raises (sent to <c>analysis.alerts</c> once committed).</summary>
    public IReadOnlyList<CanaryAlert> Alerts { get; init; } = [];

    /// <summary>Resources this step removes (the controller's objects, when a Canary with <c>revertOnDeletion</c>
    /// finishes terminating), in the same commit.</summary>
    public IReadOnlyList<ResourceKey> Deletes { get; init; } = [];

    /// <summary>The step removes the Canary itself (instead of writing its status).</summary>
    public bool DeletesCanary { get; init; }
}
