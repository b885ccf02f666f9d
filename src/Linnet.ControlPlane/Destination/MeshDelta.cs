using Linnet.ControlPlane.Core.Translation;

namespace Linnet.ControlPlane.Destination;

/// <summary>What changed between two views: services that are new or different, and keys that are gone.</summary>
internal sealed record MeshDelta(IReadOnlyList<MeshService> Upserts, IReadOnlyList<string> Removed)
{
    /// <summary>Compares <paramref name="from"/> with <paramref name="to"/>.</summary>
    public static MeshDelta Between(MeshView from, MeshView to)
    {
        var before = new Dictionary<string, MeshService>(from.Services.Count, StringComparer.Ordinal);
        foreach (var service in from.Services)
        {
            before[service.Key] = service;
        }

        var upserts = new List<MeshService>();
        foreach (var service in to.Services)
        {
            if (!before.Remove(service.Key, out var old) || !old.Equals(service))
            {
                upserts.Add(service);
            }
        }

        // What is left in `before` is gone; keep the old view's order so updates are deterministic.
        var removed = new List<string>(before.Count);
        foreach (var service in from.Services)
        {
            if (before.ContainsKey(service.Key))
            {
                removed.Add(service.Key);
            }
        }

        return new MeshDelta(upserts, removed);
    }
}
