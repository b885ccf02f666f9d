using Linnet.ControlPlane.Core.Policy;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Translation;
using Proto = Linnet.Api.Destination.V1;

namespace Linnet.ControlPlane.Destination;

/// <summary>Each subscriber's inbound policy at the store's current revision, computed once per instance and
/// revision: a commit wakes every subscriber, and each asks for its own policy again.</summary>
internal sealed class InboundPolicyCache(IResourceStore store, ControlPlaneOptions options)
{
    private readonly Lock _lock = new();
    private StoreSnapshot? _snapshot;
    private long _viewRevision = -1;
    private readonly Dictionary<(string, string, string), Proto.InboundPolicy> _policies = [];

    /// <summary>The policy of the instance that subscribed as <paramref name="ns"/>/<paramref name="workload"/>/<paramref name="instance"/>.
    /// The services it serves, with their routes, come from <paramref name="view"/> (the view sent with it).</summary>
    public Proto.InboundPolicy For(string ns, string workload, string instance, MeshView view)
    {
        lock (_lock)
        {
            if (_snapshot is null || _snapshot.Revision < store.Revision || _viewRevision != view.Revision)
            {
                _snapshot = store.Snapshot();
                _viewRevision = view.Revision;
                _policies.Clear();
            }

            var key = (ns, workload, instance);
            if (!_policies.TryGetValue(key, out var policy))
            {
                var translated = PolicyTranslator.Translate(_snapshot, ns, workload, instance, options.DefaultInboundPolicy, options.TrustDomain);
                policy = PolicyProtoMapper.ToProto(translated);
                policy.Services.AddRange(ProtoMapper.InboundServices(view, ns, instance));
                _policies[key] = policy;
            }

            return policy;
        }
    }
}
