using System.Globalization;
using System.Text.RegularExpressions;
using Linnet.Api.Validation;
using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Kinds;
using Linnet.ControlPlane.Core.Resources;
using Linnet.Registry;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>Parses multi-document, Kubernetes-shaped YAML (or JSON) into typed resources, validating every
/// field: unknown fields and invalid values are reported with the document, the field path and the reason.</summary>
public static partial class ManifestParser
{
    private static readonly HashSet<string> AppProtocols = new(StringComparer.Ordinal) { "http", "http2", "grpc", "opaque", "tcp" };

    /// <summary>Parses <paramref name="text"/>; <paramref name="source"/> names it in errors.</summary>
    public static ManifestParseResult Parse(string text, string source, ManifestOrigin origin = ManifestOrigin.User)
    {
        ArgumentNullException.ThrowIfNull(text);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            return new ManifestParseResult([], [new ManifestError(source, DocumentOf(text), null, $"line {ex.Start.Line}", $"YAML syntax error: {ex.Message}")]);
        }

        var resources = new List<Resource>();
        var errors = new List<ManifestError>();
        var warnings = new List<ManifestError>();
        var seen = new Dictionary<ResourceKey, int>();
        for (var i = 0; i < stream.Documents.Count; i++)
        {
            var root = stream.Documents[i].RootNode;
            if (YamlMap.IsNull(root))
            {
                continue;
            }

            var fieldErrors = new List<FieldError>();
            var resource = ParseDocument(root, origin, fieldErrors);
            var label = resource is null ? null : $"{resource.Kind}/{resource.Metadata.Name}";
            foreach (var error in fieldErrors)
            {
                errors.Add(new ManifestError(source, i + 1, label, error.Path, error.Reason));
            }

            if (resource is not null && origin == ManifestOrigin.User)
            {
                foreach (var name in resource.Metadata.Annotations.Keys.Order(StringComparer.Ordinal))
                {
                    if (KnownAnnotations.Warning(resource.Kind, name) is { } warning)
                    {
                        warnings.Add(new ManifestError(source, i + 1, label, $"metadata.annotations[{name}]", warning));
                    }
                }
            }

            if (resource is null || fieldErrors.Count > 0)
            {
                continue;
            }

            if (seen.TryGetValue(resource.Key, out var first))
            {
                errors.Add(new ManifestError(source, i + 1, label, "metadata.name", $"{resource.Key} is also defined by document {first}"));
                continue;
            }

            seen[resource.Key] = i + 1;
            resources.Add(resource);
        }

        return (errors.Count > 0 ? new ManifestParseResult([], errors) : new ManifestParseResult(resources, [])) with { Warnings = warnings };
    }

    /// <summary>The number (from 1, as in every other error) of the document holding the first syntax error:
    /// the documents the YAML parser had begun when it failed.</summary>
    private static int DocumentOf(string text)
    {
        var parser = new Parser(new StringReader(text));
        var documents = 0;
        try
        {
            while (parser.MoveNext())
            {
                if (parser.Current is YamlDotNet.Core.Events.DocumentStart)
                {
                    documents++;
                }
            }
        }
        catch (YamlException)
        {
            // Where we wanted to be.
        }

        return Math.Max(documents, 1);
    }

    private static Resource? ParseDocument(YamlNode root, ManifestOrigin origin, List<FieldError> errors)
    {
        var map = new YamlMap(root, "", errors);
        if (!map.Exists)
        {
            errors.Add(new FieldError("(document)", "must be a mapping with apiVersion, kind, metadata and spec"));
            return null;
        }

        var apiVersion = map.Text("apiVersion", required: true);
        var kind = map.Text("kind", required: true);
        var metadata = ParseMetadata(map.Map("metadata"), origin, errors);
        var spec = map.Map("spec");
        var status = map.Map("status");
        Resource? resource = null;
        var definition = ResourceKinds.Find(kind);
        if (kind is null)
        {
            // Reported by Text(required: true).
        }
        else if (definition is null)
        {
            errors.Add(new FieldError("kind", ResourceKinds.Refused.TryGetValue(kind, out var refusal)
                ? refusal
                : $"'{kind}' is not a known kind (known: {ResourceKinds.Applied})"));
        }
        else if (origin == ManifestOrigin.User && definition.Author != KindAuthor.User)
        {
            errors.Add(new FieldError("kind", definition.NotApplied ?? $"{kind} resources are not applied"));
        }
        else
        {
            if (apiVersion is not null && !definition.ApiVersions.Contains(apiVersion))
            {
                errors.Add(new FieldError("apiVersion", definition.ApiVersions.Count == 1
                    ? $"'{apiVersion}' is not the version of {kind} (expected {definition.ApiVersion})"
                    : $"'{apiVersion}' is not a version of {kind} Linnet accepts (accepted: {string.Join(", ", definition.ApiVersions)})"));
            }

            resource = definition.Read(new KindDocument(apiVersion, metadata, spec, status, origin, errors));
        }

        ValidatePolicyAnnotations(kind, metadata, errors);

        if (origin == ManifestOrigin.User && status.Exists)
        {
            // Status is written by the control plane; a user's status would be silently lost.
            errors.Add(new FieldError("status", "is written by the control plane and cannot be applied"));
        }
        else
        {
            status.RejectUnknown();
        }

        map.RejectUnknown();
        return resource;
    }

    private static ObjectMeta? ParseMetadata(YamlMap map, ManifestOrigin origin, List<FieldError> errors)
    {
        if (!map.Exists)
        {
            errors.Add(new FieldError("metadata", "is required"));
            return null;
        }

        var name = map.Text("name", required: true);
        var ns = map.Text("namespace") ?? "default";
        if (name is not null && !IsDnsLabel(name))
        {
            map.Error("name", $"'{name}' must be a lowercase DNS label: a-z, 0-9 and '-', starting and ending with a letter or digit, at most 63 characters");
        }

        if (!IsDnsLabel(ns))
        {
            map.Error("namespace", $"'{ns}' must be a lowercase DNS label");
        }

        var labels = map.StringMap("labels");
        var annotations = map.StringMap("annotations");
        long resourceVersion = 0;
        long generation = 0;
        if (origin == ManifestOrigin.Store)
        {
            resourceVersion = long.Parse(map.Text("resourceVersion") ?? "0", CultureInfo.InvariantCulture);
            generation = long.Parse(map.Text("generation") ?? "0", CultureInfo.InvariantCulture);
        }
        else
        {
            // Optimistic concurrency from a client: apply only if the stored resource is still at this version.
            var expected = map.Text("resourceVersion");
            if (expected is not null && !long.TryParse(expected, NumberStyles.None, CultureInfo.InvariantCulture, out resourceVersion))
            {
                map.Error("resourceVersion", $"'{expected}' is not a resource version");
            }
        }

        map.RejectUnknown();
        return name is null ? null : new ObjectMeta { Name = name, Namespace = ns, Labels = labels, Annotations = annotations, ResourceVersion = resourceVersion, Generation = generation };
    }

    internal static ServiceSpec ParseServiceSpec(YamlMap spec)
    {
        var selector = spec.StringMap("selector");
        var ports = new List<ServicePort>();
        var items = spec.Sequence("ports");
        if (spec.Exists && items.Count == 0)
        {
            spec.Error("ports", "must list at least one port");
        }

        var seen = new HashSet<int>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = spec.Item(items[i], "ports", i);
            var name = item.Text("name");
            var port = item.Number("port", 1, 65535, required: true);
            var target = item.Number("targetPort", 1, 65535) ?? port;
            var appProtocol = item.Text("appProtocol");
            var protocol = item.Text("protocol");
            if (appProtocol is not null && !AppProtocols.Contains(appProtocol))
            {
                item.Error("appProtocol", $"'{appProtocol}' is not one of: {string.Join(", ", AppProtocols)}");
            }

            if (protocol is not null and not "TCP")
            {
                item.Error("protocol", $"'{protocol}' is not supported (only TCP)");
            }

            if (port is { } p && !seen.Add(p))
            {
                item.Error("port", $"{p} is listed twice");
            }

            item.RejectUnknown();
            if (port is not null && target is not null)
            {
                ports.Add(new ServicePort(name, port.Value, target.Value, appProtocol));
            }
        }

        spec.Text("type");
        spec.Text("clusterIP");
        spec.RejectUnknown();
        if (!spec.Exists)
        {
            spec.Error("", "spec is required");
        }

        return new ServiceSpec(selector, ports);
    }

    internal static ServiceStatus ParseServiceStatus(YamlMap status)
    {
        var ports = new Dictionary<int, int>();
        foreach (var (key, value) in status.StringMap("localPorts"))
        {
            if (int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var local))
            {
                ports[port] = local;
            }
            else
            {
                status.Error($"localPorts.{key}", $"'{key}: {value}' is not a port assignment");
            }
        }

        return new ServiceStatus(ports);
    }

    internal static WorkloadSpec ParseWorkloadSpec(YamlMap spec)
    {
        if (!spec.Exists)
        {
            spec.Error("", "spec is required");
        }

        var replicas = spec.Number("replicas", 0, 1000) ?? 1;
        var serviceAccount = spec.Text("serviceAccount") ?? "default";
        if (!IsDnsLabel(serviceAccount))
        {
            spec.Error("serviceAccount", $"'{serviceAccount}' must be a lowercase DNS label");
        }

        var image = spec.Text("image");
        if (image is not null && !ImageReference.TryParse(image, out _, out var imageProblem))
        {
            spec.Error("image", imageProblem!);
        }

        var pullSecret = spec.Text("imagePullSecretFile");
        if (pullSecret is not null && (image is null || !Path.IsPathFullyQualified(pullSecret)))
        {
            spec.Error("imagePullSecretFile", image is null ? "needs an image" : $"'{pullSecret}' must be an absolute path");
        }

        // With an image, no command means the image's entrypoint and cmd.
        var command = spec.Text("command", required: image is null) ?? "";
        var args = spec.StringList("args");
        var env = new List<EnvVar>();
        var envItems = spec.Sequence("env");
        for (var i = 0; i < envItems.Count; i++)
        {
            var item = spec.Item(envItems[i], "env", i);
            var name = item.Text("name", required: true);
            var value = item.Text("value") ?? "";
            if (name is not null && !EnvName().IsMatch(name))
            {
                item.Error("name", $"'{name}' is not a valid environment variable name");
            }

            item.RejectUnknown();
            if (name is not null)
            {
                env.Add(new EnvVar(name, value));
            }
        }

        var workingDir = spec.Text("workingDir");
        var ports = PortList(spec, "ports");
        var opaque = PortList(spec, "opaquePorts");
        var version = spec.Text("version");
        spec.RejectUnknown();
        return new WorkloadSpec(replicas, serviceAccount, command, args, env, workingDir, ports, opaque, version) { Image = image, ImagePullSecretFile = pullSecret };
    }

    internal static InstanceSpec ParseInstanceSpec(YamlMap spec)
    {
        var result = new InstanceSpec(
            spec.Text("workload") ?? "",
            spec.Text("address") ?? "",
            spec.Text("serviceAccount") ?? "default",
            PortList(spec, "ports"),
            spec.Number("proxyInboundPort", 0, 65535) ?? 0,
            spec.Number("proxyAdminPort", 0, 65535) ?? 0,
            spec.Bool("ready") ?? false,
            spec.Text("version"),
            spec.Number("restarts", 0, int.MaxValue) ?? 0,
            ParseInstanceExit(spec.Map("lastExit")))
        {
            Image = spec.Text("image"),
            ImageDigest = spec.Text("imageDigest"),
            SpecHash = spec.Text("specHash"),
            Pull = ParseImagePull(spec.Map("pull")),
        };
        spec.RejectUnknown();
        return result;
    }

    private static ImagePull? ParseImagePull(YamlMap map)
    {
        if (!map.Exists)
        {
            return null;
        }

        var pull = new ImagePull(
            map.Text("image", required: true) ?? "",
            map.Number("layersDone", 0, int.MaxValue) ?? 0,
            map.Number("layers", 0, int.MaxValue) ?? 0,
            (long)(map.Real("bytesDone", 0, long.MaxValue) ?? 0),
            (long)(map.Real("bytesTotal", 0, long.MaxValue) ?? 0),
            map.Text("error"));
        map.RejectUnknown();
        return pull;
    }

    private static InstanceExit? ParseInstanceExit(YamlMap map)
    {
        if (!map.Exists)
        {
            return null;
        }

        var process = map.Text("process", required: true) ?? "";
        var exitCode = map.Number("exitCode", int.MinValue, int.MaxValue);
        var reason = map.Text("reason") ?? "";
        var at = map.Text("at", required: true);
        if (at is not null && !DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _))
        {
            map.Error("at", "must be an RFC 3339 time");
        }

        map.RejectUnknown();
        return new InstanceExit(process, exitCode, reason, at is not null && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time) ? time : default);
    }

    private static List<int> PortList(YamlMap map, string key) =>
        map.WholeNumbers(key, 1, 65535, _ => "must be a port number 1..65535");

    /// <summary>Whether <paramref name="value"/> is a DNS label (RFC 1123), as names and namespaces must be.</summary>
    public static bool IsDnsLabel(string value) => value.Length is > 0 and <= 63 && DnsLabel().IsMatch(value);

    /// <summary>Whether <paramref name="value"/> is a DNS subdomain (RFC 1123 labels joined by dots, at most 253
    /// characters), as Secret names and trust domains must be.</summary>
    public static bool IsDnsSubdomain(string value) => value.Length is > 0 and <= 253 && value.Split('.').All(IsDnsLabel);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvName();
}
