using System.Collections.Frozen;
using System.Text.RegularExpressions;
using Linnet.Proxy.Authorization;
using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Linnet.Proxy.Routing;

/// <summary>Compiles each config snapshot into one <see cref="ProxyModel"/> (services, routes, endpoints and the
/// inbound policy, for lock-free lookups) and swaps it in as one reference. Endpoint state is carried over
/// between snapshots.</summary>
internal sealed partial class ServiceTable : IDisposable
{
    private readonly IProxyConfigProvider _provider;
    private readonly ILogger<ServiceTable> _logger;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly IDisposable _subscription;
    private volatile ProxyModel _current;

    /// <summary>Compiles the provider's config and follows its changes. <paramref name="random"/> (thread-safe;
    /// the proxy's, seeded by <c>LINNET_PROXY_RANDOM_SEED</c> when set) draws the balancers' choices and the
    /// circuit breakers' jitter.</summary>
    public ServiceTable(IProxyConfigProvider provider, ILogger<ServiceTable> logger, TimeProvider time, Random? random = null)
    {
        _provider = provider;
        _logger = logger;
        _time = time;
        _random = random ?? Random.Shared;
        _current = Compile(provider.GetConfig(), null);
        _subscription = ChangeToken.OnChange(() => _provider.GetConfig().ChangeToken, Reload);
    }

    /// <summary>Raised after a new snapshot is in effect.</summary>
    public event Action? Changed;

    /// <summary>The version of the snapshot in effect.</summary>
    public string Version => _current.Version;

    /// <summary>All services of the snapshot in effect.</summary>
    public IReadOnlyList<ServiceState> Services => _current.Services;

    /// <summary>The compiled config in effect: services, routes, endpoints and inbound policy of one version.
    /// Take it once per request or connection.</summary>
    public ProxyModel Current => _current;

    /// <summary>Finds the service for an authority in the config in effect (see <see cref="ProxyModel.Find"/>).</summary>
    public ServiceState? Find(string host, int? port) => _current.Find(host, port);

    /// <summary>The service with a dedicated local listener on <paramref name="localPort"/>.</summary>
    public ServiceState? FindByLocalPort(int localPort) => _current.FindByLocalPort(localPort);

    /// <inheritdoc />
    public void Dispose() => _subscription.Dispose();

    private void Reload()
    {
        var snapshot = _provider.GetConfig();
        _current = Compile(snapshot, _current);
        Log.ConfigApplied(_logger, snapshot.Version, snapshot.Services.Count);
        Changed?.Invoke();
    }

    private ProxyModel Compile(ProxyConfigSnapshot snapshot, ProxyModel? previous)
    {
        var byHost = new Dictionary<string, List<ServiceState>>(StringComparer.OrdinalIgnoreCase);
        var byLocalPort = new Dictionary<int, ServiceState>();
        var all = new List<ServiceState>();
        foreach (var service in snapshot.Services)
        {
            var endpoints = new List<EndpointState>(service.Endpoints.Count);
            foreach (var endpoint in service.Endpoints)
            {
                var key = (service.Key, endpoint.Address);
                if (previous is not null && previous.Endpoints.TryGetValue(key, out var existing))
                {
                    existing.Config = endpoint;
                    existing.Breaker.Config = service.CircuitBreaker;
                    endpoints.Add(existing);
                }
                else
                {
                    endpoints.Add(new EndpointState(endpoint, _time, _random) { Breaker = { Config = service.CircuitBreaker } });
                }
            }

            SeedNewEndpoints(endpoints);
            var budget = previous is not null && previous.Budgets.TryGetValue(service.Key, out var kept) && kept.Config == service.RetryBudget
                ? kept
                : new RetryBudget(service.RetryBudget, _time);
            var state = new ServiceState(service, endpoints, BalancerNames.Create(service.Balancer, endpoints, _random), budget);
            all.Add(state);
            foreach (var host in service.Aliases.Prepend(service.Name))
            {
                if (!byHost.TryGetValue(host, out var list))
                {
                    byHost[host] = list = [];
                }

                list.Add(state);
            }

            if (service.LocalPort is { } lp)
            {
                byLocalPort[lp] = state;
            }
        }

        var endpointIndex = new Dictionary<(string, string), EndpointState>();
        var byKey = new Dictionary<string, ServiceState>(StringComparer.Ordinal);
        var budgets = new Dictionary<string, RetryBudget>(StringComparer.Ordinal);
        foreach (var s in all)
        {
            byKey.TryAdd(s.Config.Key, s);
            budgets.TryAdd(s.Config.Key, s.RetryBudget);
            foreach (var e in s.Endpoints)
            {
                endpointIndex[(s.Config.Key, e.Config.Address)] = e;
            }
        }

        // Routes name their backends by service key, so they are compiled once every service exists.
        var routes = new RouteCompiler(byKey, previous?.Regexes);
        foreach (var s in all)
        {
            if (s.Config.Routes.Count > 0)
            {
                s.Rules = routes.Compile(s.Config);
                s.RouteIndex = RouteIndex.Create(s.Rules);
            }
        }

        foreach (var problem in routes.Problems)
        {
            Log.RouteProblem(_logger, snapshot.Version, problem);
        }

        // Most snapshots change services only: the policy is recompiled only when it changed.
        var samePolicy = previous is not null && ReferenceEquals(previous.InboundPolicySource, snapshot.InboundPolicy);
        var policy = samePolicy ? previous!.InboundPolicy : CompiledInboundPolicy.Compile(snapshot.InboundPolicy);
        var inbound = samePolicy ? previous!.InboundByHost : CompileInbound(snapshot, routes.Regexes);
        return new ProxyModel(
            snapshot.Version,
            byHost.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.OrdinalIgnoreCase),
            byLocalPort.ToFrozenDictionary(),
            all,
            policy,
            snapshot.InboundPolicy,
            endpointIndex,
            routes.Regexes,
            budgets,
            inbound);
    }

    // The services this instance serves, with their routes compiled as a client's are (the same matcher), to
    // classify inbound requests; they have no endpoints and their rules no backends.
    private FrozenDictionary<string, ServiceState[]> CompileInbound(ProxyConfigSnapshot snapshot, Dictionary<string, Regex> regexes)
    {
        var services = snapshot.InboundPolicy.Services;
        if (services.Count == 0)
        {
            return FrozenDictionary<string, ServiceState[]>.Empty;
        }

        var compiler = new RouteCompiler(new Dictionary<string, ServiceState>(), regexes);
        var byHost = new Dictionary<string, List<ServiceState>>(StringComparer.OrdinalIgnoreCase);
        foreach (var service in services)
        {
            var state = new ServiceState(service, [], BalancerNames.Create(service.Balancer, [], _random), new RetryBudget(service.RetryBudget, _time))
            {
                Rules = compiler.Compile(service),
            };
            state.RouteIndex = RouteIndex.Create(state.Rules);
            foreach (var host in service.Aliases.Prepend(service.Name))
            {
                if (!byHost.TryGetValue(host, out var list))
                {
                    byHost[host] = list = [];
                }

                list.Add(state);
            }
        }

        foreach (var problem in compiler.Problems)
        {
            Log.RouteProblem(_logger, snapshot.Version, problem);
        }

        return byHost.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
    }

    // New endpoints join at the mean estimate of their sampled peers (see EndpointState.Seed).
    private static void SeedNewEndpoints(List<EndpointState> endpoints)
    {
        var sum = 0.0;
        var sampled = 0;
        foreach (var e in endpoints)
        {
            if (e.HasSamples)
            {
                sum += e.RttEstimateMs;
                sampled++;
            }
        }

        if (sampled == 0 || sampled == endpoints.Count)
        {
            return;
        }

        foreach (var e in endpoints)
        {
            if (!e.HasSamples)
            {
                e.Seed(sum / sampled);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Config {Version} applied: {Count} services")]
        public static partial void ConfigApplied(ILogger logger, string version, int count);

        [LoggerMessage(2, LogLevel.Warning, "Config {Version}: {Problem}")]
        public static partial void RouteProblem(ILogger logger, string version, string problem);
    }
}
