using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Http;

namespace Linnet.ControlPlane.Hosting;

/// <summary>Keeps each API on its own listener: the HTTP API (apply, delete) listens on loopback by default
/// and must not become reachable through the gRPC listener, which faces every proxy.</summary>
internal static class ListenerSeparation
{
    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var role = context.Features.Get<ListenerFeature>()?.Role;
        var isGrpc = context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not null;
        if ((role == ListenerRole.Grpc && !isGrpc) || (role == ListenerRole.Http && isGrpc))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return next(context);
    }
}
