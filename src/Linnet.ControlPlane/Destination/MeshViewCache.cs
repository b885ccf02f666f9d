using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Translation;

namespace Linnet.ControlPlane.Destination;

/// <summary>The mesh view at the store's current revision, translated once per revision however many
/// subscribers ask: a commit wakes every subscriber at once, and a thousand of them must not translate a
/// thousand times.</summary>
internal sealed class MeshViewCache(IResourceStore store, ControlPlaneOptions options)
{
    private readonly Lock _lock = new();
    private MeshView? _current;
    private long _translations;

    /// <summary>How many translations were computed (for tests and diagnostics).</summary>
    public long Translations => Interlocked.Read(ref _translations);

    /// <summary>The view at the store's current revision (or later, when a commit lands meanwhile).</summary>
    public MeshView Current()
    {
        var current = Volatile.Read(ref _current);
        if (current is not null && current.Revision >= store.Revision)
        {
            return current;
        }

        lock (_lock)
        {
            var snapshot = store.Snapshot();
            if (_current is not null && _current.Revision >= snapshot.Revision)
            {
                return _current;
            }

            var view = MeshTranslator.Translate(snapshot, options.TrustDomain, options.Endpoints);
            Interlocked.Increment(ref _translations);
            Volatile.Write(ref _current, view);
            return view;
        }
    }
}
