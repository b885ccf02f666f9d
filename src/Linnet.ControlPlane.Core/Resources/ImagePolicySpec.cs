using Linnet.ControlPlane.Core.Updates;

namespace Linnet.ControlPlane.Core.Resources;

/// <summary>An ImagePolicy's spec: the Workload it targets (<c>targetRef</c>, same namespace) and its settings.</summary>
/// <param name="Workload">The name of the target Workload.</param>
/// <param name="Settings">The settings, as the <c>keel.sh/*</c> annotations would give them.</param>
public sealed record ImagePolicySpec(string Workload, ImageUpdateSettings Settings);
