using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Linnet.ControlPlane.Api;

/// <summary>The HTTP API's routes.</summary>
internal static class ApiEndpoints
{
    public const string Prefix = "/api/v1";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.ServiceProvider.GetRequiredService<ResourceApi>();
        var group = endpoints.MapGroup(Prefix);
        group.MapPost("/apply", api.ApplyAsync);
        group.MapGet("/resources", api.ListAsync);
        group.MapGet("/resources/{kind}/{namespace}/{name}", api.GetAsync);
        group.MapDelete("/resources/{kind}/{namespace}/{name}", api.DeleteAsync);
        group.MapGet("/proxies", api.ProxiesAsync);
        group.MapGet("/health", api.HealthAsync);
        Identity.TokenApi.Map(group, endpoints.ServiceProvider.GetRequiredService<Identity.TokenApi>());
        MetricsApi.Map(group, endpoints.ServiceProvider.GetRequiredService<MetricsApi>());
        Tap.TapApi.Map(group, endpoints.ServiceProvider.GetRequiredService<Tap.TapApi>());
        Updates.ImageUpdatesApi.Map(group, endpoints.ServiceProvider.GetRequiredService<Updates.ImageUpdatesApi>());
        group.Map("/{**path}", context =>
            ApiResponses.ErrorAsync(context, StatusCodes.Status404NotFound, $"no API at {context.Request.Method} {context.Request.Path}"));
    }
}
