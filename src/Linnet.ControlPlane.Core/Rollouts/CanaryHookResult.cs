namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>A webhook's answer: passed (HTTP status 2xx up to 202, Flagger's rule) or failed, with the
/// reason (the response body, the status, or the connection error).</summary>
public sealed record CanaryHookResult(bool Passed, string Message);
