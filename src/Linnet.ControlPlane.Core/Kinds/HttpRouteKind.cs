using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>HTTPRoute</c> kind (Gateway API's, and Linkerd's <c>policy.linkerd.io</c> one).</summary>
internal static class HttpRouteKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = HttpRouteResource.KindName,
        Plural = "httproutes",
        Aliases = ["route", "routes"],
        ApiVersions = ManifestParser.HttpRouteVersions,
        HasStatus = true,
        Spec = RouteSchemas.Spec,
        Read = d =>
        {
            ManifestParser.CheckRouteAnnotations(d.Metadata, grpc: false, d.Errors);
            return d.Metadata is null ? null : new HttpRouteResource
            {
                Metadata = d.Metadata,
                Group = ResourceKind.GroupOf(d.ApiVersion ?? "") == HttpRouteResource.LinkerdGroup ? HttpRouteResource.LinkerdGroup : HttpRouteResource.GatewayGroup,
                Spec = ManifestParser.ParseRouteSpec(d.Spec, d.Metadata.Namespace, d.ApiVersion),
                Status = d.ReadsStatus ? ManifestParser.ParseRouteStatus(d.Status) : RouteStatus.Empty,
            };
        },
        Write = (r, json) =>
        {
            var route = (HttpRouteResource)r;
            json["spec"] = ResourceWriter.RouteSpec(route.Spec, route.Metadata.Namespace);
            ResourceWriter.AddRouteStatus(json, route.Status);
        },
    };
}
