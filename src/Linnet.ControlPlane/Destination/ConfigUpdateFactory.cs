using System.Globalization;
using Linnet.Api.Destination.V1;
using Linnet.ControlPlane.Core.Translation;

namespace Linnet.ControlPlane.Destination;

/// <summary>Builds the messages subscribers are sent, each once: subscribers woken by the same commit
/// mostly hold the same version and live in a few namespaces, so the message for (from, to, namespace)
/// is built by the first of them and shared (protobuf messages are only read while being written out).
/// Only messages that lead to the newest revision seen are kept.</summary>
internal sealed class ConfigUpdateFactory
{
    private const long SnapshotFrom = -1;

    private readonly Lock _lock = new();
    private readonly Dictionary<(long From, long To, string Namespace), ConfigUpdate> _updates = [];
    private readonly Dictionary<long, MeshDelta> _deltas = [];
    private long _newest = -1;

    /// <summary>A full snapshot of <paramref name="view"/> for a proxy in <paramref name="subscriberNamespace"/>.</summary>
    public ConfigUpdate Snapshot(MeshView view, string subscriberNamespace)
    {
        lock (_lock)
        {
            var key = (SnapshotFrom, view.Revision, subscriberNamespace);
            if (_updates.TryGetValue(key, out var cached))
            {
                return cached;
            }

            var update = new ConfigUpdate { Version = Version(view.Revision), Snapshot = true };
            foreach (var service in view.Services)
            {
                update.Services.Add(ProtoMapper.ToProto(service, subscriberNamespace));
            }

            Keep(key, update);
            return update;
        }
    }

    /// <summary>The incremental update that brings a proxy from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public ConfigUpdate Delta(MeshView from, MeshView to, string subscriberNamespace)
    {
        lock (_lock)
        {
            var key = (from.Revision, to.Revision, subscriberNamespace);
            if (_updates.TryGetValue(key, out var cached))
            {
                return cached;
            }

            if (!_deltas.TryGetValue(from.Revision, out var delta) || to.Revision != _newest)
            {
                delta = MeshDelta.Between(from, to);
                if (to.Revision >= _newest)
                {
                    Advance(to.Revision);
                    _deltas[from.Revision] = delta;
                }
            }

            var update = new ConfigUpdate { Version = Version(to.Revision), Snapshot = false };
            foreach (var service in delta.Upserts)
            {
                update.Services.Add(ProtoMapper.ToProto(service, subscriberNamespace));
            }

            update.RemovedServices.Add(delta.Removed);
            Keep(key, update);
            return update;
        }
    }

    /// <summary>The wire form of a revision.</summary>
    public static string Version(long revision) => revision.ToString(CultureInfo.InvariantCulture);

    private void Keep((long From, long To, string Namespace) key, ConfigUpdate update)
    {
        if (key.To < _newest)
        {
            return;
        }

        Advance(key.To);
        _updates[key] = update;
    }

    private void Advance(long revision)
    {
        if (revision > _newest)
        {
            _newest = revision;
            _updates.Clear();
            _deltas.Clear();
        }
    }
}
