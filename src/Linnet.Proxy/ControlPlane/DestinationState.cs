using Linnet.Proxy.Configuration;
using Proto = Linnet.Api.Destination.V1;

namespace Linnet.Proxy.ControlPlane;

/// <summary>The services the control plane has sent, by key: a snapshot replaces them all, an incremental
/// update upserts and removes. Used by one reader of the stream at a time.</summary>
/// <param name="startupPolicy">The bootstrap config's default inbound policy: enforced until the control plane
/// sends a policy, and again after a snapshot that carries none.</param>
internal sealed class DestinationState(Configuration.InboundPolicyConfig startupPolicy)
{
    private readonly Dictionary<string, ServiceConfig> _services = new(StringComparer.Ordinal);
    private readonly Configuration.InboundPolicyConfig _startupPolicy = startupPolicy;

    /// <summary>A state whose startup policy is Linkerd's default (all-unauthenticated).</summary>
    public DestinationState()
        : this(Configuration.InboundPolicyConfig.AllowAll)
    {
    }

    /// <summary>The version of the last update applied ("" before the first).</summary>
    public string Version { get; private set; } = "";

    /// <summary>The inbound policy last sent (the startup policy until one is).</summary>
    public Configuration.InboundPolicyConfig InboundPolicy { get; private set; } = startupPolicy;

    /// <summary>True once a snapshot has been applied.</summary>
    public bool HasSnapshot { get; private set; }

    /// <summary>Applies <paramref name="update"/>; returns the services held afterwards, ordered by key.</summary>
    public IReadOnlyList<ServiceConfig> Apply(Proto.ConfigUpdate update, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (update.Snapshot)
        {
            _services.Clear();
            HasSnapshot = true;
        }

        foreach (var key in update.RemovedServices)
        {
            _services.Remove(key);
        }

        foreach (var service in update.Services)
        {
            if (DestinationMapper.ToServiceConfig(service, problems) is { } config)
            {
                _services[config.Key] = config;
            }
        }

        InboundPolicy = update.InboundPolicy is { } policy ? PolicyMapper.ToConfig(policy, problems) : update.Snapshot ? _startupPolicy : InboundPolicy;
        Version = update.Version;
        var services = new List<ServiceConfig>(_services.Values);
        services.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return services;
    }
}
