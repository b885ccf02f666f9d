namespace Linnet.ControlPlane;

/// <summary>Where the mesh's resources come from, and so who writes them.</summary>
public enum ControlPlanePlatform
{
    /// <summary>One host: resources are applied through the HTTP API (<c>linnet apply</c>), the control plane writes
    /// route status into its own store, workload tokens are signed by the control plane.</summary>
    Universal,

    /// <summary>A Kubernetes cluster: the store mirrors the cluster's objects (informers), status goes back to the
    /// cluster, the HTTP API's apply and delete and the token API are refused (resources are written with kubectl,
    /// proxies prove their identity with service-account tokens).</summary>
    Kubernetes,
}
