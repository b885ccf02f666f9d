using Linnet.Proxy.Configuration;
using Linnet.Proxy.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Proxy.Tests.Routing;

/// <summary>Requests, services and service tables for the routing tests.</summary>
internal static class RoutingRequests
{
    /// <summary>A request for <paramref name="path"/> with the given headers.</summary>
    public static HttpRequest Request(string path, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context.Request;
    }

    /// <summary>A table over <paramref name="services"/>, compiled as a snapshot is.</summary>
    public static ServiceTable Table(params ServiceConfig[] services) =>
        new(new StaticProxyConfigProvider(services), NullLogger<ServiceTable>.Instance, TimeProvider.System);

    /// <summary>Service <c>name:80</c> with one endpoint and, when given, one route holding <paramref name="routes"/>.</summary>
    public static ServiceConfig Service(string name, IReadOnlyList<RouteRuleConfig>? routes = null) =>
        new(name, [], 80, ServiceProtocol.Detect, null, [new EndpointConfig("127.0.0.1", 9)])
        {
            Routes = routes is null ? [] : [new RouteConfig($"test/{name}", routes)],
        };
}
