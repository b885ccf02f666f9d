using System.Collections.Frozen;
using System.Text.RegularExpressions;
using Linnet.Proxy.Authorization;
using Linnet.Proxy.Balancing;
using Linnet.Proxy.Resilience;
using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Routing;

/// <summary>One config version compiled whole: the services with their routes and endpoints, and the inbound
/// policy. <see cref="ServiceTable"/> swaps it as one reference, so a request or connection that takes it once
/// never sees the routes of one version with the policy of another.</summary>
internal sealed class ProxyModel
{
    internal ProxyModel(
        string version,
        FrozenDictionary<string, ServiceState[]> byHost,
        FrozenDictionary<int, ServiceState> byLocalPort,
        IReadOnlyList<ServiceState> all,
        CompiledInboundPolicy inboundPolicy,
        InboundPolicyConfig inboundPolicySource,
        Dictionary<(string, string), EndpointState> endpoints,
        Dictionary<string, Regex> regexes,
        Dictionary<string, RetryBudget> budgets,
        FrozenDictionary<string, ServiceState[]> inboundByHost)
    {
        InboundByHost = inboundByHost;
        Version = version;
        ByHost = byHost;
        ByLocalPort = byLocalPort;
        Services = all;
        InboundPolicy = inboundPolicy;
        InboundPolicySource = inboundPolicySource;
        Endpoints = endpoints;
        Regexes = regexes;
        Budgets = budgets;
    }

    /// <summary>The config version this was compiled from.</summary>
    public string Version { get; }

    /// <summary>Every service of this version.</summary>
    public IReadOnlyList<ServiceState> Services { get; }

    /// <summary>This version's inbound policy, compiled.</summary>
    public CompiledInboundPolicy InboundPolicy { get; }

    internal InboundPolicyConfig InboundPolicySource { get; }

    internal FrozenDictionary<string, ServiceState[]> ByHost { get; }

    /// <summary>The service ports this instance serves that have routes (the inbound policy's services: no
    /// endpoints, rules that only classify), by host name.</summary>
    internal FrozenDictionary<string, ServiceState[]> InboundByHost { get; }

    internal FrozenDictionary<int, ServiceState> ByLocalPort { get; }

    internal Dictionary<(string, string), EndpointState> Endpoints { get; }

    internal Dictionary<string, Regex> Regexes { get; }

    internal Dictionary<string, RetryBudget> Budgets { get; }

    /// <summary>Finds the service for an authority. <paramref name="port"/> is the port the client named,
    /// or null when it named none: then the host's only port, or port 80, is meant.</summary>
    public ServiceState? Find(string host, int? port) => Find(ByHost, host, port);

    /// <summary>Inbound: the service with routes this instance serves that an inbound authority names (found as
    /// <see cref="Find"/> finds one), whose rules classify the request for metrics and tap; null: none.</summary>
    public ServiceState? FindInbound(string host, int? port) => InboundByHost.Count == 0 ? null : Find(InboundByHost, host, port);

    private static ServiceState? Find(FrozenDictionary<string, ServiceState[]> byHost, string host, int? port)
    {
        if (!byHost.TryGetValue(host, out var ports))
        {
            return null;
        }

        if (port is { } p)
        {
            foreach (var s in ports)
            {
                if (s.Config.Port == p)
                {
                    return s;
                }
            }

            return null;
        }

        if (ports.Length == 1)
        {
            return ports[0];
        }

        foreach (var s in ports)
        {
            if (s.Config.Port == 80)
            {
                return s;
            }
        }

        return null;
    }

    /// <summary>The service with a dedicated local listener on <paramref name="localPort"/>.</summary>
    public ServiceState? FindByLocalPort(int localPort) =>
        ByLocalPort.TryGetValue(localPort, out var s) ? s : null;
}
