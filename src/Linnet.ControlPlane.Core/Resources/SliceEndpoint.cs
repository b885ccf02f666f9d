namespace Linnet.ControlPlane.Core.Resources;

/// <summary>One endpoint of an EndpointSlice.</summary>
/// <param name="Address">Its first address (the API: "clients may choose to only use the first element").</param>
/// <param name="Ready">conditions.ready; null means true (the API's rule).</param>
/// <param name="Serving">conditions.serving; null means true.</param>
/// <param name="Terminating">conditions.terminating; null means false.</param>
/// <param name="Pod">The name of the Pod its <c>targetRef</c> names (same namespace); null when it names none.</param>
public sealed record SliceEndpoint(string Address, bool? Ready, bool? Serving, bool? Terminating, string? Pod)
{
    /// <summary>Whether traffic may go to it: ready, a missing condition counting as ready (as Linkerd's destination
    /// controller reads it).</summary>
    public bool IsReady => Ready ?? true;
}
