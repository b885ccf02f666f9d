namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>How the control plane runs on a cluster.</summary>
/// <param name="Leadership">The Lease replicas compete for; only its holder writes to the cluster.</param>
public sealed record KubernetesPlatformOptions(LeadershipOptions Leadership)
{
    /// <summary>The types listed and watched (default: <see cref="WatchedType.All"/>).</summary>
    public IReadOnlyList<WatchedType> Types { get; init; } = WatchedType.All;

    /// <summary>How often informers hand their cached objects to the mirror again.</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(5);
}
