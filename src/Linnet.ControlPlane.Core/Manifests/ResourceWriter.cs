using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>Writes resources in their Kubernetes shape as JSON. The store persists this form and reloads it
/// with <see cref="ManifestParser"/> (JSON is YAML), so there is one reader and one writer.</summary>
public static partial class ResourceWriter
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    /// <summary>The resource as a JSON object.</summary>
    public static JsonObject ToJson(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var metadata = new JsonObject
        {
            ["name"] = resource.Metadata.Name,
            ["namespace"] = resource.Metadata.Namespace,
        };
        if (resource.Metadata.Labels.Count > 0)
        {
            metadata["labels"] = Map(resource.Metadata.Labels);
        }

        if (resource.Metadata.Annotations.Count > 0)
        {
            metadata["annotations"] = Map(resource.Metadata.Annotations);
        }

        metadata["resourceVersion"] = resource.Metadata.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        metadata["generation"] = resource.Metadata.Generation.ToString(CultureInfo.InvariantCulture);
        var json = new JsonObject
        {
            ["apiVersion"] = resource.ApiVersion,
            ["kind"] = resource.Kind,
            ["metadata"] = metadata,
        };
        switch (resource)
        {
            case ServiceResource s:
                json["spec"] = Spec(s.Spec);
                if (s.Status.LocalPorts.Count > 0)
                {
                    var ports = new JsonObject();
                    foreach (var (port, local) in s.Status.LocalPorts.OrderBy(kv => kv.Key))
                    {
                        ports[port.ToString(CultureInfo.InvariantCulture)] = local.ToString(CultureInfo.InvariantCulture);
                    }

                    json["status"] = new JsonObject { ["localPorts"] = ports };
                }

                break;
            case WorkloadResource w:
                json["spec"] = Spec(w.Spec);
                break;
            case HttpRouteResource r:
                json["spec"] = RouteSpec(r.Spec, r.Metadata.Namespace);
                AddRouteStatus(json, r.Status);
                break;
            case GrpcRouteResource g:
                json["spec"] = RouteSpec(g.Spec, g.Metadata.Namespace);
                AddRouteStatus(json, g.Status);
                break;
            case CanaryResource c:
                json["spec"] = CanarySpecJson(c.Spec);
                AddCanaryStatus(json, c.Status);
                break;
            case MetricTemplateResource m:
                json["spec"] = MetricTemplateSpecJson(m.Spec);
                break;
            case InstanceResource i:
                json["spec"] = Spec(i.Spec);
                break;
            case ReferenceGrantResource g:
                json["spec"] = new JsonObject
                {
                    ["from"] = new JsonArray(g.Spec.From.Select(f => (JsonNode)new JsonObject { ["group"] = f.Group, ["kind"] = f.Kind, ["namespace"] = f.Namespace }).ToArray()),
                    ["to"] = new JsonArray(g.Spec.To.Select(t =>
                    {
                        var to = new JsonObject { ["group"] = t.Group, ["kind"] = t.Kind };
                        if (t.Name is not null)
                        {
                            to["name"] = t.Name;
                        }

                        return (JsonNode)to;
                    }).ToArray()),
                };
                break;
            case AlertProviderResource a:
                json["spec"] = AlertProviderSpecJson(a.Spec);
                break;
            case ApprovalResource a:
                json["spec"] = ApprovalSpecJson(a.Spec);
                break;
            case ReleaseVerdictResource v:
                json["spec"] = ReleaseVerdictSpecJson(v.Spec);
                break;
            case ImagePolicyResource p:
                json["spec"] = ImagePolicySpecJson(p.Spec);
                break;
            case ServerResource or AuthorizationPolicyResource or MeshTlsAuthenticationResource or NetworkAuthenticationResource:
                json["spec"] = PolicySpec(resource);
                break;
            default:
                throw new ArgumentException($"no writer for {resource.Kind}", nameof(resource));
        }

        return json;
    }

    /// <summary>The resource as one line of compact JSON.</summary>
    public static string ToJsonLine(Resource resource) => ToJson(resource).ToJsonString(Compact);

    private static JsonObject Spec(ServiceSpec spec)
    {
        var ports = new JsonArray();
        foreach (var p in spec.Ports)
        {
            var port = new JsonObject();
            if (p.Name is not null)
            {
                port["name"] = p.Name;
            }

            port["port"] = p.Port;
            port["targetPort"] = p.TargetPort;
            if (p.AppProtocol is not null)
            {
                port["appProtocol"] = p.AppProtocol;
            }

            ports.Add(port);
        }

        return new JsonObject { ["selector"] = Map(spec.Selector), ["ports"] = ports };
    }

    private static JsonObject Spec(WorkloadSpec spec)
    {
        var json = new JsonObject
        {
            ["replicas"] = spec.Replicas,
            ["serviceAccount"] = spec.ServiceAccount,
            ["args"] = new JsonArray(spec.Args.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray()),
            ["env"] = new JsonArray(spec.Env.Select(e => (JsonNode)new JsonObject { ["name"] = e.Name, ["value"] = e.Value }).ToArray()),
            ["ports"] = Ints(spec.Ports),
            ["opaquePorts"] = Ints(spec.OpaquePorts),
        };
        if (spec.Command.Length > 0)
        {
            json["command"] = spec.Command;
        }

        if (spec.Image is not null)
        {
            json["image"] = spec.Image;
        }

        if (spec.ImagePullSecretFile is not null)
        {
            json["imagePullSecretFile"] = spec.ImagePullSecretFile;
        }

        if (spec.WorkingDir is not null)
        {
            json["workingDir"] = spec.WorkingDir;
        }

        if (spec.Version is not null)
        {
            json["version"] = spec.Version;
        }

        return json;
    }

    private static JsonObject Spec(InstanceSpec spec)
    {
        var json = new JsonObject
        {
            ["workload"] = spec.Workload,
            ["address"] = spec.Address,
            ["serviceAccount"] = spec.ServiceAccount,
            ["ports"] = Ints(spec.Ports),
            ["proxyInboundPort"] = spec.ProxyInboundPort,
            ["proxyAdminPort"] = spec.ProxyAdminPort,
            ["ready"] = spec.Ready,
        };
        if (spec.Version is not null)
        {
            json["version"] = spec.Version;
        }

        if (spec.Image is not null)
        {
            json["image"] = spec.Image;
        }

        if (spec.ImageDigest is not null)
        {
            json["imageDigest"] = spec.ImageDigest;
        }

        json["restarts"] = spec.Restarts;
        if (spec.LastExit is { } exit)
        {
            var last = new JsonObject { ["process"] = exit.Process };
            if (exit.ExitCode is { } code)
            {
                last["exitCode"] = code;
            }

            last["reason"] = exit.Reason;
            last["at"] = exit.At.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture);
            json["lastExit"] = last;
        }

        return json;
    }

    private static JsonObject Map(IReadOnlyDictionary<string, string> map)
    {
        var json = new JsonObject();
        foreach (var (k, v) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            json[k] = v;
        }

        return json;
    }

    private static JsonArray Ints(IReadOnlyList<int> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
