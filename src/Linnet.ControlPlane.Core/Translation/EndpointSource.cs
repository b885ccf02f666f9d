namespace Linnet.ControlPlane.Core.Translation;

/// <summary>Where the translator takes a Service's endpoints from.</summary>
public enum EndpointSource
{
    /// <summary>The ready Instances its selector matches (universal mode: the supervisor reports them).</summary>
    Selector,

    /// <summary>The EndpointSlices labelled with its name (Kubernetes: the cluster's EndpointSlice controller, or
    /// whoever writes slices for a Service without selector, decides them; Pods give identity only).</summary>
    EndpointSlices,
}
