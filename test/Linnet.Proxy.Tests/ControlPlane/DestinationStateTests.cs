using Linnet.Api.Destination.V1;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.ControlPlane;
using static Linnet.Proxy.Tests.ControlPlane.DestinationMessages;

namespace Linnet.Proxy.Tests.ControlPlane;

public sealed class DestinationStateTests
{
    [Fact]
    public void Apply_SnapshotThenIncrementals_UpsertsAndRemovesByKey()
    {
        var state = new DestinationState();
        var problems = new List<string>();

        state.Apply(Update("v1", snapshot: true, [Service("a", "shop", 80, 1001), Service("b", "shop", 80, 2001)]), problems);
        state.Apply(Update("v2", snapshot: false, [Service("b", "shop", 80, 2001, 2002), Service("c", "shop", 80, 3001)]), problems);
        var services = state.Apply(Update("v3", snapshot: false, [], removed: ["a.shop:80"]), problems);

        Assert.True(state.HasSnapshot);
        Assert.Equal("v3", state.Version);
        Assert.Equal(["b.shop:80", "c.shop:80"], services.Select(s => s.Key));
        Assert.Equal([2001, 2002], services[0].Endpoints.Select(e => e.Port));
        Assert.Empty(problems);
    }

    [Fact]
    public void Apply_Snapshot_ReplacesEverythingHeld()
    {
        var state = new DestinationState();
        var problems = new List<string>();
        state.Apply(Update("v1", snapshot: true, [Service("a", "shop", 80, 1001), Service("b", "shop", 80, 2001)]), problems);

        var services = state.Apply(Update("v9", snapshot: true, [Service("c", "shop", 80, 3001)]), problems);

        Assert.Equal(["c.shop:80"], services.Select(s => s.Key));
    }

    [Fact]
    public void ToServiceConfig_FullService_MapsNamesProtocolLocalPortEndpointsAndRoutes()
    {
        var service = Service("web", "shop", 8080, 9001);
        service.Protocol = Protocol.Grpc;
        service.LocalPort = 15001;
        service.Endpoints.Add(new Endpoint { Address = "10.0.0.2", Port = 9002, Weight = 3 });
        var rule = new RouteRule();
        var match = new RouteMatch { Path = new PathMatch { Type = PathMatch.Types.Type.Regex, Value = "/v[0-9]+" } };
        match.Headers.Add(new HeaderMatch { Type = HeaderMatch.Types.Type.Exact, Name = "x-canary", Value = "yes" });
        rule.Matches.Add(match);
        rule.Backends.Add(new RouteBackend { ServiceKey = "web-canary.shop:8080", Weight = 10 });
        var route = new Route { Name = "shop/web" };
        route.Rules.Add(rule);
        service.Routes.Add(route);
        var problems = new List<string>();

        var config = DestinationMapper.ToServiceConfig(service, problems)!;

        Assert.Equal("web.shop:8080", config.Key);
        Assert.Equal("web.shop.svc.cluster.local", config.Name);
        Assert.Equal(["web", "web.shop"], config.Aliases);
        Assert.Equal(8080, config.Port);
        Assert.Equal(ServiceProtocol.Detect, config.Protocol);
        Assert.Equal(15001, config.LocalPort);
        Assert.Equal([new EndpointConfig("127.0.0.1", 9001, 1), new EndpointConfig("10.0.0.2", 9002, 3)], config.Endpoints);
        var mapped = Assert.Single(Assert.Single(config.Routes).Rules);
        var mappedMatch = Assert.Single(mapped.Matches);
        Assert.Equal(new PathMatchConfig(PathMatchType.Regex, "/v[0-9]+"), mappedMatch.Path);
        Assert.Equal([new HeaderMatchConfig(HeaderMatchType.Exact, "x-canary", "yes")], mappedMatch.Headers);
        Assert.Equal([new RouteBackendConfig("web-canary.shop:8080", 10)], mapped.Backends);
        Assert.Empty(problems);
    }

    [Fact]
    public void ToServiceConfig_OpaqueWithoutLocalPort_IsOpaqueWithNoListener()
    {
        var service = Service("db", "shop", 5432, 5432);
        service.Protocol = Protocol.Opaque;

        var config = DestinationMapper.ToServiceConfig(service, [])!;

        Assert.Equal(ServiceProtocol.Opaque, config.Protocol);
        Assert.Null(config.LocalPort);
        Assert.Empty(config.Routes);
    }

    [Fact]
    public void ToServiceConfig_UnusableEndpoint_IsSkippedAndReported()
    {
        var service = Service("web", "shop", 80, 9001);
        service.Endpoints.Add(new Endpoint { Address = "not an address", Port = 9002, Weight = 1 });
        var problems = new List<string>();

        var config = DestinationMapper.ToServiceConfig(service, problems)!;

        Assert.Equal([9001], config.Endpoints.Select(e => e.Port));
        Assert.Contains("not an address", Assert.Single(problems), StringComparison.Ordinal);
    }

    private static ConfigUpdate Update(string version, bool snapshot, Service[] services, string[]? removed = null)
    {
        var update = new ConfigUpdate { Version = version, Snapshot = snapshot };
        update.Services.Add(services);
        update.RemovedServices.Add(removed ?? []);
        return update;
    }
}
