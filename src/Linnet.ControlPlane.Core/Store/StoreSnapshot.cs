using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Store;

/// <summary>Every resource at one revision.</summary>
public sealed record StoreSnapshot(long Revision, IReadOnlyDictionary<ResourceKey, Resource> Resources)
{
    /// <summary>The resources of one kind, ordered by namespace and name (a same-named one of another API group of the
    /// kind after that of the kind's own).</summary>
    public IEnumerable<T> OfKind<T>()
        where T : Resource =>
        Resources.Values.OfType<T>().OrderBy(r => r.Metadata.Namespace, StringComparer.Ordinal).ThenBy(r => r.Metadata.Name, StringComparer.Ordinal)
            .ThenBy(r => r.Key.Group ?? "", StringComparer.Ordinal);
}
