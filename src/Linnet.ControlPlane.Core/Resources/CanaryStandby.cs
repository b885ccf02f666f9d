namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Warm rollback: the previous primary, kept running as <c>&lt;target&gt;-standby</c> at zero weight
/// after a promotion, until <see cref="Until"/> (the end of <c>analysis.rollbackWindow</c>; unset until the
/// promotion has finished). <see cref="Spec"/> is the hash of the spec it runs (the previously promoted one);
/// <see cref="Serving"/> once a rollback has moved the traffic to it. <see cref="Weight"/> is its share of the
/// traffic while a rollback to it is stepped (it has fewer ready instances than the primary it replaces), null
/// otherwise.</summary>
public sealed record CanaryStandby(string Spec, DateTimeOffset? Until, bool Serving, int? Weight = null);
