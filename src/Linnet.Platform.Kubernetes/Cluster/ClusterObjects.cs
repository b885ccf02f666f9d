using System.Globalization;
using System.Text.Json.Nodes;
using Linnet.Api.Policy;
using Linnet.ControlPlane.Core.Kinds;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Policy;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Updates;
using Linnet.Platform.Kubernetes.Admission;
using Linnet.Platform.Kubernetes.Injection;

namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>Cluster objects as the control plane's resources: a Service as a <see cref="ServiceResource"/>, a Pod as the
/// <see cref="InstanceResource"/> it plays on this platform (address, readiness, service account, meshed or not), and
/// every CRD kind through the one manifest reader (<see cref="ManifestParser"/>), so a field Linnet does not honour is
/// refused with its path and reason here as on apply. Pure functions.</summary>
public static class ClusterObjects
{
    /// <summary>The resource <paramref name="obj"/> stands for; null with <paramref name="errors"/> when it is refused,
    /// or null without errors when it plays no part (a Service without selector, a Pod without an address yet).</summary>
    public static Resource? ToResource(WatchedType type, JsonObject obj, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(errors);
        return type switch
        {
            { Group: "", Plural: "services" } => Service(obj, errors),
            { Group: "", Plural: "pods" } => Instance(obj),
            { Group: "discovery.k8s.io", Plural: "endpointslices" } => EndpointSlice(obj, errors),
            { Group: "apps", Plural: "deployments" } => Deployment(obj),
            _ => Custom(obj, errors),
        };
    }

    private static ObjectMeta Metadata(JsonObject obj) => new()
    {
        Name = Text(obj["metadata"]?["name"]) ?? "",
        Namespace = Text(obj["metadata"]?["namespace"]) ?? "default",
        Labels = Strings(obj["metadata"]?["labels"]),
        Annotations = Strings(obj["metadata"]?["annotations"]),
    };

    private static ServiceResource? Service(JsonObject obj, List<string> errors)
    {
        var spec = obj["spec"] as JsonObject;
        var selector = Strings(spec?["selector"]);
        if (Text(spec?["type"]) == "ExternalName")
        {
            // A DNS name, not endpoints: resolved by the client's DNS, not the mesh. A Service without selector is served:
            // its endpoints are the EndpointSlices written for it, as for every Service.
            return null;
        }

        var ports = new List<ServicePort>();
        var items = spec?["ports"] as JsonArray ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i] as JsonObject ?? [];
            var protocol = Text(item["protocol"]) ?? "TCP";
            if (protocol != "TCP")
            {
                errors.Add($"spec.ports[{i}].protocol: '{protocol}' is not supported (only TCP)");
                continue;
            }

            var port = Number(item["port"]);
            var target = item["targetPort"] switch
            {
                null => port,
                JsonValue v when v.TryGetValue<int>(out var n) => n,
                JsonValue v when v.TryGetValue<string>(out var s) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
                _ => (int?)null,
            };
            if (port is null || target is null)
            {
                errors.Add($"spec.ports[{i}].targetPort: '{item["targetPort"]?.ToJsonString()}' is a named port, which Linnet does not resolve yet: give the number");
                continue;
            }

            ports.Add(new ServicePort(Text(item["name"]), port.Value, target.Value, AppProtocol(Text(item["appProtocol"]))));
        }

        return errors.Count > 0 ? null : new ServiceResource { Metadata = Metadata(obj), Spec = new ServiceSpec(selector, ports) };
    }

    // Kubernetes' own appProtocol names (KEP-3726) as Linnet's; anything else is detected.
    private static string? AppProtocol(string? value) => value switch
    {
        "http" or "http2" or "grpc" or "opaque" or "tcp" => value,
        "kubernetes.io/h2c" => "http2",
        _ => null,
    };

    private static InstanceResource? Instance(JsonObject pod)
    {
        var address = Text(pod["status"]?["podIP"]);
        if (string.IsNullOrEmpty(address))
        {
            return null; // not scheduled or not started yet: nothing to route to.
        }

        var spec = pod["spec"] as JsonObject ?? [];
        var containers = (spec["containers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var initContainers = (spec["initContainers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var meshed = containers.Concat(initContainers).Any(c => Text(c["name"]) == ProxyInjector.ProxyContainer);
        var metadata = Metadata(pod);
        var proxy = InjectionConfig.Read(new Dictionary<string, string>(), metadata.Annotations, "", []);
        var ports = containers.Where(c => Text(c["name"]) != ProxyInjector.ProxyContainer)
            .SelectMany(c => (c["ports"] as JsonArray ?? []).OfType<JsonObject>())
            .Where(p => (Text(p["protocol"]) ?? "TCP") == "TCP")
            .Select(p => Number(p["containerPort"]))
            .OfType<int>()
            .ToList();
        var ready = pod["metadata"]?["deletionTimestamp"] is null
            && (pod["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().Any(c => Text(c["type"]) == "Ready" && Text(c["status"]) == "True");
        return new InstanceResource
        {
            Metadata = metadata,
            Spec = new InstanceSpec(
                AdmissionReviews.WorkloadName(pod) ?? metadata.Name,
                address,
                Text(spec["serviceAccountName"]) ?? "default",
                ports,
                meshed ? proxy.InboundPort : 0,
                meshed ? proxy.AdminPort : 0,
                ready,
                Version: null),
        };
    }

    // An EndpointSlice (discovery.k8s.io/v1, as the API reference describes it): the Service its
    // kubernetes.io/service-name label names; each endpoint's first address ("clients may choose to only use the first
    // element"), its conditions as given (nil read by the API's rules later) and the Pod its targetRef names; the ports
    // by name. A slice without that label belongs to no Service and plays no part.
    private static EndpointSliceResource? EndpointSlice(JsonObject obj, List<string> errors)
    {
        var metadata = Metadata(obj);
        if (!metadata.Labels.TryGetValue(EndpointSliceResource.ServiceNameLabel, out var service) || service.Length == 0)
        {
            return null;
        }

        var addressType = Text(obj["addressType"]) ?? "";
        if (addressType is not ("IPv4" or "IPv6"))
        {
            errors.Add($"addressType: '{addressType}' is not served (only IPv4 and IPv6: the mesh routes to addresses, FQDN slices are deprecated by Kubernetes)");
            return null;
        }

        var endpoints = new List<SliceEndpoint>();
        var items = obj["endpoints"] as JsonArray ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i] as JsonObject ?? [];
            var address = (item["addresses"] as JsonArray ?? []).Select(Text).FirstOrDefault(a => !string.IsNullOrEmpty(a));
            if (address is null || !System.Net.IPAddress.TryParse(address, out _))
            {
                errors.Add($"endpoints[{i}].addresses: must hold at least one {addressType} address");
                continue;
            }

            var conditions = item["conditions"] as JsonObject ?? [];
            var target = item["targetRef"] as JsonObject;
            var pod = target is not null && (Text(target["kind"]) ?? "Pod") == "Pod" && (Text(target["namespace"]) ?? metadata.Namespace) == metadata.Namespace
                ? Text(target["name"])
                : null;
            endpoints.Add(new SliceEndpoint(address, Flag(conditions["ready"]), Flag(conditions["serving"]), Flag(conditions["terminating"]), pod));
        }

        var ports = new List<SlicePort>();
        var portItems = obj["ports"] as JsonArray ?? [];
        for (var i = 0; i < portItems.Count; i++)
        {
            var item = portItems[i] as JsonObject ?? [];
            if ((Text(item["protocol"]) ?? "TCP") != "TCP")
            {
                continue; // a UDP or SCTP port serves no Service port the mesh routes (those are refused on the Service)
            }

            if (Number(item["port"]) is not { } port)
            {
                errors.Add($"ports[{i}].port: a port without number (every port) is not served: name the port");
                continue;
            }

            ports.Add(new SlicePort(Text(item["name"]) ?? "", port, Text(item["appProtocol"])));
        }

        return errors.Count > 0 ? null : new EndpointSliceResource { Metadata = metadata, Spec = new EndpointSliceSpec(service, addressType, endpoints, ports) };
    }

    // A Deployment (apps/v1): replicas (the API server defaults an unset one to 1), the pod template's labels and its
    // containers with their images, init containers first, in the template's order; annotations in the metadata.
    private static DeploymentResource Deployment(JsonObject obj)
    {
        var template = obj["spec"]?["template"];
        var containers = new List<DeploymentContainer>();
        foreach (var (key, init) in new[] { ("initContainers", true), ("containers", false) })
        {
            foreach (var container in (template?["spec"]?[key] as JsonArray ?? []).OfType<JsonObject>())
            {
                containers.Add(new DeploymentContainer(Text(container["name"]) ?? "", Text(container["image"]) ?? "", init));
            }
        }

        return new DeploymentResource
        {
            Metadata = Metadata(obj),
            Spec = new DeploymentSpec(Number(obj["spec"]?["replicas"]) ?? 1, Strings(template?["metadata"]?["labels"]), containers),
        };
    }

    private static bool? Flag(JsonNode? node) => node is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : null;

    /// <summary>What of <paramref name="obj"/>, mirrored as it is, Linnet does not act on, with the reason; null when it
    /// acts on all of it. Such an object is kept (the mesh needs it), and the reason logged, never silently ignored: a
    /// Deployment's <c>keel.sh/*</c> annotations or labels that are invalid, or not supported (each with its path and
    /// reason, as <see cref="ImageTargets.Problems"/> reads them), leave its images alone.</summary>
    public static string? NotActedOn(WatchedType type, JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(obj);
        if (type == WatchedType.Pods)
        {
            // The injector refuses such a pod, but one created without it (or annotated later) still reaches the mirror.
            return Strings(obj["metadata"]?["annotations"]).TryGetValue(DefaultInboundPolicies.Annotation, out var policy) && !DefaultInboundPolicies.IsKnown(policy.Trim())
                ? $"metadata.annotations[{DefaultInboundPolicies.Annotation}]: {DefaultInboundPolicies.Unknown(policy.Trim())}; its inbound default policy is deny until the annotation is fixed"
                : null;
        }

        if (type is not { Group: "apps", Plural: "deployments" })
        {
            return null;
        }

        var problems = ImageTargets.Problems(Strings(obj["metadata"]?["annotations"]), Strings(obj["metadata"]?["labels"]));
        return problems.Count == 0
            ? null
            : $"{string.Join("; ", problems.Select(p => $"{p.Path}: {p.Reason}"))}: Linnet does not update this Deployment's images until its keel.sh settings are valid";
    }

    /// <summary>What of <paramref name="canary"/> (read from <paramref name="obj"/>) is not run on a cluster, each with the
    /// field's path and the reason; empty when all of it is. A Canary of a Deployment runs there as in universal mode, by
    /// the same controller: the canary, blue/green (with mirroring) and A/B strategies, session affinity, the built-in and
    /// MetricTemplate metrics, the threshold and sequential judges, webhooks, alerts, skipAnalysis, suspend and
    /// progressDeadlineSeconds, and revertOnDeletion (through Flagger's finalizer). What is platform-specific and not done there (warm rollback) is refused
    /// whole rather than half-run.</summary>
    public static IReadOnlyList<string> CanaryNotRun(CanaryResource canary, JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(obj);
        var problems = new List<string>();
        var analysis = canary.Spec.Analysis;
        var kind = Text(obj["spec"]?["targetRef"]?["kind"]);
        if (kind != "Deployment")
        {
            problems.Add($"spec.targetRef.kind: '{kind}' is not rolled out on a cluster: a Canary there targets a Deployment (apps/v1); a Workload is universal mode's");
        }

        var window = Text(obj["spec"]?["analysis"]?["rollbackWindow"]);
        if (window is not null && analysis.RollbackWindow > TimeSpan.Zero)
        {
            problems.Add($"spec.analysis.rollbackWindow: warm rollback ('{window}') is not run on a cluster yet: leave it out (Flagger keeps no previous primary) or set it to 0");
        }

        return problems;
    }

    /// <summary>Flagger's finalizer (pkg/controller/finalizer.go): the control plane puts it on a Canary with
    /// <c>revertOnDeletion: true</c>, so that deleting the Canary leaves it on the cluster, marked, until the target has its
    /// traffic back; then it removes the finalizer and the API server deletes the Canary.</summary>
    public const string CanaryFinalizer = "finalizer.flagger.app";

    /// <summary>Whether <paramref name="obj"/>'s <c>metadata.finalizers</c> holds <see cref="CanaryFinalizer"/>.</summary>
    public static bool HasCanaryFinalizer(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return (obj["metadata"]?["finalizers"] as JsonArray ?? []).Any(f => Text(f) == CanaryFinalizer);
    }

    /// <summary>When <paramref name="obj"/> was marked for deletion (<c>metadata.deletionTimestamp</c>); null while it is not.</summary>
    public static DateTimeOffset? DeletionTimestamp(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return Text(obj["metadata"]?["deletionTimestamp"]) is { } text
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
    }

    // A Canary with revertOnDeletion that the API server holds for Flagger's finalizer is what universal mode's DELETE makes
    // it: Terminating (recorded with when), so the one state machine reverts it. Derived from the object alone, so the
    // status written back (phase Terminating, then Terminated) reads the same.
    private static CanaryResource Terminating(CanaryResource canary, JsonObject obj)
    {
        if (!canary.Spec.RevertOnDeletion || !HasCanaryFinalizer(obj) || DeletionTimestamp(obj) is not { } at
            || canary.Status.Phase is CanaryPhases.Terminating or CanaryPhases.Terminated)
        {
            return canary;
        }

        var message = $"Terminating canary {canary.Metadata.Name}.{canary.Metadata.Namespace} (deleted, revertOnDeletion): {canary.Spec.TargetName} takes the traffic back once ready, then the finalizer {CanaryFinalizer} is removed";
        return canary with
        {
            Status = canary.Status with
            {
                Phase = CanaryPhases.Terminating,
                LastTransitionTime = at,
                Paused = false,
                Events = canary.Status.Events.Append(new CanaryEvent(at, "Normal", message)).TakeLast(CanaryStatus.MaxEvents).ToList(),
            },
        };
    }

    private static Resource? Custom(JsonObject obj, List<string> errors)
    {
        var kind = ResourceKinds.Find(Text(obj["kind"]));
        var document = new JsonObject
        {
            ["apiVersion"] = obj["apiVersion"]?.DeepClone(),
            ["kind"] = obj["kind"]?.DeepClone(),
            ["metadata"] = new JsonObject
            {
                ["name"] = obj["metadata"]?["name"]?.DeepClone(),
                ["namespace"] = obj["metadata"]?["namespace"]?.DeepClone(),
                ["labels"] = obj["metadata"]?["labels"]?.DeepClone(),
                ["annotations"] = obj["metadata"]?["annotations"]?.DeepClone(),
            },
            ["spec"] = obj["spec"]?.DeepClone(),
        };
        if (kind?.HasStatus == true && obj["status"] is JsonObject status)
        {
            document["status"] = status.DeepClone();
        }

        foreach (var empty in ((JsonObject)document["metadata"]!).Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            ((JsonObject)document["metadata"]!).Remove(empty);
        }

        var source = $"{obj["kind"]} {document["metadata"]!["namespace"]}/{document["metadata"]!["name"]}";
        var parsed = ManifestParser.Parse(document.ToJsonString(), source, ManifestOrigin.Store);
        errors.AddRange(parsed.Errors.Select(e => $"{e.Path}: {e.Reason}"));
        if (!parsed.IsValid)
        {
            return null;
        }

        if (parsed.Resources.Single() is CanaryResource canary)
        {
            if (CanaryNotRun(canary, obj) is { Count: > 0 } problems)
            {
                errors.AddRange(problems);
                return null;
            }

            // Flagger keeps no previous primary: Linnet's warm rollback, on by default in universal mode, is off here.
            return Terminating(canary with { Spec = canary.Spec with { Analysis = canary.Spec.Analysis with { RollbackWindow = TimeSpan.Zero } } }, obj);
        }

        if (parsed.Resources.Single() is MetricTemplateResource { Spec.SecretRef: { } secret })
        {
            // Universal mode reads it from the data directory's secret files; on a cluster that is an emptyDir, and the
            // control plane's ClusterRole reads no Secrets.
            errors.Add($"spec.provider.secretRef: Secret '{secret}' is not read on a cluster: the control plane reads no Secrets there (its ClusterRole grants none); query a provider address that needs no credentials");
            return null;
        }

        return parsed.Resources.Single();
    }

    /// <summary>A JSON string's value; null for anything else.</summary>
    internal static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static int? Number(JsonNode? node) => node is JsonValue value && value.TryGetValue<int>(out var n) ? n : null;

    /// <summary>A JSON object's string-valued members (labels, annotations, a selector); empty for anything else.</summary>
    internal static Dictionary<string, string> Strings(JsonNode? node) =>
        (node as JsonObject ?? []).Where(p => Text(p.Value) is not null).ToDictionary(p => p.Key, p => Text(p.Value)!, StringComparer.Ordinal);
}
