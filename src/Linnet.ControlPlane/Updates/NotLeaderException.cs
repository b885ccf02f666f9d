namespace Linnet.ControlPlane.Updates;

/// <summary>An update of a Deployment reached a control-plane replica that does not hold the leader lease: only the
/// leader writes Deployments, so nothing was done. The HTTP APIs answer it with 503 so that the caller tries again.</summary>
public sealed class NotLeaderException(string message) : InvalidOperationException(message);
