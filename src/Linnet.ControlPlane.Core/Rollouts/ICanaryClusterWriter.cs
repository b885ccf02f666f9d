using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>The canary controller's hands on a cluster, where the store is a read-only mirror of the API server: the
/// target and primary Deployments as the Workloads the one <see cref="CanaryStateMachine"/> reads, and each step's writes
/// (the <c>-primary</c> Deployment, the Services, the HTTPRoute, the target's replicas) and the Canary's status written to
/// the API server, each conditional on the resourceVersion the mirror saw. Absent in universal mode, where the controller
/// commits the same step to the store.</summary>
public interface ICanaryClusterWriter
{
    /// <summary>Whether this replica may write (it holds the leader lease): only the leader steps canaries.</summary>
    bool CanWrite { get; }

    /// <summary>The target and primary of <paramref name="canary"/> as Workloads (null when their Deployment is not on
    /// the cluster), and how many of their pods are ready and run their current pod template.</summary>
    CanaryWorkloads Observe(StoreSnapshot snapshot, CanaryResource canary);

    /// <summary>Writes <paramref name="decided"/>'s objects, then its status, to the API server; returns whether anything was
    /// written. A change on the cluster since the mirror saw it is a <see cref="ConflictException"/> (nothing of that
    /// object overwritten; the step is decided again from what the mirror sees next).</summary>
    Task<bool> WriteAsync(CanaryResource canary, CanaryStep decided, CancellationToken cancellationToken);
}

/// <summary>What <see cref="ICanaryClusterWriter.Observe"/> saw of a canary's workloads.</summary>
/// <param name="Target">The target as a Workload; null when it does not exist.</param>
/// <param name="Primary">The primary as a Workload; null when it does not exist.</param>
/// <param name="TargetReady">The target's ready pods that run its current template.</param>
/// <param name="PrimaryReady">The primary's ready pods that run its current template.</param>
public sealed record CanaryWorkloads(WorkloadResource? Target, WorkloadResource? Primary, int TargetReady, int PrimaryReady);

/// <summary>A step's write refused by the cluster for a reason other than a conflict (forbidden, invalid): the rest of the
/// step is not written, and the message says which object and why.</summary>
public sealed class CanaryWriteException : Exception
{
    /// <summary>Creates one.</summary>
    public CanaryWriteException()
    {
    }

    /// <summary>Creates one with <paramref name="message"/>.</summary>
    public CanaryWriteException(string message)
        : base(message)
    {
    }

    /// <summary>Creates one with <paramref name="message"/> and its cause.</summary>
    public CanaryWriteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
