using Linnet.ControlPlane.Core.Policy;
using Linnet.ControlPlane.Core.Store;
using Proto = Linnet.Api.Destination.V1;

namespace Linnet.ControlPlane.Destination;

/// <summary>Each subscriber's inbound policy at the store's current revision, computed once per instance and
/// revision: a commit wakes every subscriber, and each asks for its own policy again.</summary>
internal sealed class InboundPolicyCache(IResourceStore store, ControlPlaneOptions options)
{
    private readonly Lock _lock = new();
    private StoreSnapshot? _snapshot;
    private readonly Dictionary<(string, string, string), Proto.InboundPolicy> _policies = [];

    /// <summary>The policy of the instance that subscribed as <paramref name="ns"/>/<paramref name="workload"/>/<paramref name="instance"/>.</summary>
    public Proto.InboundPolicy For(string ns, string workload, string instance)
    {
        lock (_lock)
        {
            if (_snapshot is null || _snapshot.Revision < store.Revision)
            {
                _snapshot = store.Snapshot();
                _policies.Clear();
            }

            var key = (ns, workload, instance);
            if (!_policies.TryGetValue(key, out var policy))
            {
                var view = PolicyTranslator.Translate(_snapshot, ns, workload, instance, options.DefaultInboundPolicy, options.TrustDomain);
                _policies[key] = policy = PolicyProtoMapper.ToProto(view);
            }

            return policy;
        }
    }
}
