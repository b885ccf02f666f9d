using Linnet.Api.Destination.V1;
using Linnet.ControlPlane.Core.Translation;
using CorePathMatch = Linnet.ControlPlane.Core.Resources.PathMatch;
using ProtoPathMatch = Linnet.Api.Destination.V1.PathMatch;

namespace Linnet.ControlPlane.Destination;

/// <summary>Turns the domain's <see cref="MeshService"/> into the Destination API's messages, as one
/// subscriber sees them (short names only within its own namespace, as Kubernetes DNS resolves them).</summary>
internal static class ProtoMapper
{
    /// <summary>The cluster DNS suffix in fully qualified service names.</summary>
    public const string ClusterDomain = "svc.cluster.local";

    /// <summary>The message for <paramref name="service"/> as a proxy in <paramref name="subscriberNamespace"/> sees it.</summary>
    public static Service ToProto(MeshService service, string subscriberNamespace)
    {
        var proto = new Service
        {
            Key = service.Key,
            Port = service.Port,
            Protocol = ToProto(service.Protocol),
            LocalPort = service.LocalPort,
        };
        if (service.Namespace == subscriberNamespace)
        {
            proto.Names.Add(service.Name);
        }

        proto.Names.Add($"{service.Name}.{service.Namespace}");
        proto.Names.Add($"{service.Name}.{service.Namespace}.{ClusterDomain}");
        foreach (var endpoint in service.Endpoints)
        {
            proto.Endpoints.Add(new Endpoint
            {
                Address = endpoint.Address,
                Port = endpoint.Port,
                Weight = endpoint.Weight,
                Identity = endpoint.Identity,
                Instance = endpoint.Instance,
                Meshed = endpoint.Meshed,
            });
        }

        foreach (var route in service.Routes)
        {
            proto.Routes.Add(ToProto(route));
        }

        return proto;
    }

    /// <summary>The protocol enum for the translator's protocol name.</summary>
    public static Protocol ToProto(string protocol) => protocol switch
    {
        "opaque" => Protocol.Opaque,
        "http1" => Protocol.Http1,
        "http2" => Protocol.Http2,
        "grpc" => Protocol.Grpc,
        _ => Protocol.Detect,
    };

    private static Route ToProto(MeshRoute route)
    {
        var proto = new Route { Name = route.Name };
        foreach (var rule in route.Rules)
        {
            var protoRule = new RouteRule();
            foreach (var match in rule.Matches)
            {
                var protoMatch = new RouteMatch { Path = match.Path is { } path ? ToProto(path) : null };
                foreach (var header in match.Headers)
                {
                    protoMatch.Headers.Add(new HeaderMatch
                    {
                        Type = header.Type == "RegularExpression" ? HeaderMatch.Types.Type.Regex : HeaderMatch.Types.Type.Exact,
                        Name = header.Name,
                        Value = header.Value,
                    });
                }

                protoRule.Matches.Add(protoMatch);
            }

            foreach (var backend in rule.Backends)
            {
                protoRule.Backends.Add(new RouteBackend { ServiceKey = backend.ServiceKey, Weight = backend.Weight });
            }

            proto.Rules.Add(protoRule);
        }

        return proto;
    }

    private static ProtoPathMatch ToProto(CorePathMatch path) => new()
    {
        Type = path.Type switch
        {
            "Exact" => ProtoPathMatch.Types.Type.Exact,
            "RegularExpression" => ProtoPathMatch.Types.Type.Regex,
            _ => ProtoPathMatch.Types.Type.Prefix,
        },
        Value = path.Value,
    };
}
