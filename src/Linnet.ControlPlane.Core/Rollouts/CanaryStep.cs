using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>The outcome of one step: the Canary's next status and the resources to write with it, in one
/// commit (so a restart finds either all of a step or none of it).</summary>
public sealed record CanaryStep(CanaryStatus Status, IReadOnlyList<Resource> Writes);
