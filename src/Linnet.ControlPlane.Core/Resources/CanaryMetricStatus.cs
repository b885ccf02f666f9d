namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A metric's last check: its value (null when there were no values: no traffic), the range it was
/// held against, and whether it passed.</summary>
public sealed record CanaryMetricStatus(string Name, double? Value, double? Min, double? Max, bool Passed, DateTimeOffset CheckedAt);
