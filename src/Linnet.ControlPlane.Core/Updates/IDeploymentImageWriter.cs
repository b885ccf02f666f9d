using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Updates;

/// <summary>Where an image update of a Kubernetes Deployment is written: the cluster's API server (the Kubernetes
/// platform's <c>ClusterDeploymentWriter</c>). The store mirrors Deployments from the cluster, so an update is never
/// committed to the store: it is written to the cluster and comes back through the watch.</summary>
public interface IDeploymentImageWriter
{
    /// <summary>Whether this replica may write now (it holds the leader lease); a replica that may not plans nothing
    /// for Deployments.</summary>
    bool CanWrite { get; }

    /// <summary>Sets the image of each container of <paramref name="images"/> (name → image) in the pod template of
    /// <paramref name="planned"/>, on condition that the Deployment is still as planned: otherwise nothing is
    /// written and a <see cref="Store.ConflictException"/> is thrown, so the caller plans again from what the
    /// cluster holds now.</summary>
    /// <exception cref="Store.ConflictException">The Deployment changed (or is gone) since it was planned.</exception>
    /// <exception cref="InvalidOperationException">This replica does not lead.</exception>
    Task WriteAsync(DeploymentResource planned, IReadOnlyDictionary<string, string> images, CancellationToken cancellationToken);
}
