namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>The Lease replicas compete for, and client-go's timings (defaults: 15 s lease, 10 s renew deadline, 2 s
/// retry, as kube-controller-manager's).</summary>
/// <param name="Namespace">The Lease's namespace (the control plane's).</param>
/// <param name="LeaseName">The Lease's name.</param>
/// <param name="Identity">This replica's name in the Lease (its pod name).</param>
public sealed record LeadershipOptions(string Namespace, string LeaseName, string Identity)
{
    /// <summary>How long a lease holds without renewal before another replica may take it.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it gives up leading.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The wait between attempts.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
}
