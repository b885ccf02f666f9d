namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>An alert the step raises (Flagger's <c>c.alert</c>): the message, its severity (<c>info</c>,
/// <c>warn</c>, <c>error</c>), whether the canary's settings go with it as fields (Flagger's metadata), and
/// the facts at that moment (the weight, each failing metric with its value).</summary>
public sealed record CanaryAlert(string Message, string Severity, bool WithMetadata, IReadOnlyList<KeyValuePair<string, string>> Facts);
