using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Kinds;
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
        ResourceKinds.Of(resource).Write(resource, json);
        return json;
    }

    /// <summary>The resource as one line of compact JSON.</summary>
    public static string ToJsonLine(Resource resource) => ToJson(resource).ToJsonString(Compact);

    /// <summary>A Service's spec, and its status when the control plane assigned local ports.</summary>
    internal static void WriteService(ServiceResource service, JsonObject json)
    {
        json["spec"] = Spec(service.Spec);
        if (service.Status.LocalPorts.Count > 0)
        {
            var ports = new JsonObject();
            foreach (var (port, local) in service.Status.LocalPorts.OrderBy(kv => kv.Key))
            {
                ports[port.ToString(CultureInfo.InvariantCulture)] = local.ToString(CultureInfo.InvariantCulture);
            }

            json["status"] = new JsonObject { ["localPorts"] = ports };
        }
    }

    internal static JsonObject ReferenceGrantSpecJson(ReferenceGrantSpec spec) => new()
    {
        ["from"] = new JsonArray(spec.From.Select(f => (JsonNode)new JsonObject { ["group"] = f.Group, ["kind"] = f.Kind, ["namespace"] = f.Namespace }).ToArray()),
        ["to"] = new JsonArray(spec.To.Select(t =>
        {
            var to = new JsonObject { ["group"] = t.Group, ["kind"] = t.Kind };
            if (t.Name is not null)
            {
                to["name"] = t.Name;
            }

            return (JsonNode)to;
        }).ToArray()),
    };

    internal static JsonObject Spec(ServiceSpec spec)
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

    internal static JsonObject Spec(WorkloadSpec spec)
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

    internal static JsonObject Spec(InstanceSpec spec)
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

        if (spec.SpecHash is not null)
        {
            json["specHash"] = spec.SpecHash;
        }

        if (spec.Pull is { } pull)
        {
            json["pull"] = new JsonObject
            {
                ["image"] = pull.Image,
                ["layersDone"] = pull.LayersDone,
                ["layers"] = pull.Layers,
                ["bytesDone"] = pull.BytesDone,
                ["bytesTotal"] = pull.BytesTotal,
            };
            if (pull.Error is not null)
            {
                json["pull"]!["error"] = pull.Error;
            }
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
