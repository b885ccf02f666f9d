using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>GRPCRoute</c> kind (Gateway API).</summary>
internal static class GrpcRouteKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = GrpcRouteResource.KindName,
        Plural = "grpcroutes",
        Aliases = ["grpcr"],
        ApiVersions = ManifestParser.GrpcRouteVersions,
        HasStatus = true,
        Spec = RouteSchemas.Spec,
        Read = d =>
        {
            ManifestParser.CheckRouteAnnotations(d.Metadata, grpc: true, d.Errors);
            return d.Metadata is null ? null : new GrpcRouteResource
            {
                Metadata = d.Metadata,
                Spec = ManifestParser.ParseGrpcRouteSpec(d.Spec, d.Metadata.Namespace),
                Status = d.ReadsStatus ? ManifestParser.ParseRouteStatus(d.Status) : RouteStatus.Empty,
            };
        },
        Write = (r, json) =>
        {
            var route = (GrpcRouteResource)r;
            json["spec"] = ResourceWriter.RouteSpec(route.Spec, route.Metadata.Namespace);
            ResourceWriter.AddRouteStatus(json, route.Status);
        },
    };
}
