using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Autorest;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;
using Linnet.ControlPlane.Core.Store;
using Microsoft.Extensions.Logging;
using static Linnet.Platform.Kubernetes.Cluster.ClusterObjects;

namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>Flagger's Kubernetes deployment controller and its gatewayapi router, for the one canary state machine: the
/// target and <c>&lt;target&gt;-primary</c> Deployments read from the mirror as Workloads (their revision is a hash of the
/// pod template, the selector label aside; their ready pods those running the template's images), and each step written
/// to the API server by the replica holding the lease: the primary created as a copy of the target whose selector and
/// labels say <c>&lt;label&gt;: &lt;target&gt;-primary</c>, replaced with the target's pod template on promotion; the
/// target's replicas patched (scaled to zero and from zero); the apex, <c>-primary</c> and <c>-canary</c> Services; the apex
/// HTTPRoute (GAMMA: its parentRef is the Service) with the weights; then the Canary's status through its status
/// subresource. With <c>revertOnDeletion</c>, Flagger's finalizer on the Canary (added, removed on opt-out, removed at
/// the revert's last step so the API server deletes the Canary) and the apex HTTPRoute deleted when the apex Service
/// selects the target again. Every update is conditional on the resourceVersion the mirror saw (a 409 is a
/// <see cref="ConflictException"/>: nothing overwritten, the step decided again), and nothing is written unless it
/// differs from what the cluster holds, so deciding a step again from the same status rewrites nothing.</summary>
public sealed partial class ClusterCanaryWriter(ClusterMirror mirror, ClusterApi api, Func<bool> isLeader, ILogger logger) : ICanaryClusterWriter
{
    private static readonly WatchedType Routes = WatchedType.All.First(t => t.Kind == HttpRouteResource.KindName && t.Group == HttpRouteResource.GatewayGroup);
    private int _writes;

    /// <summary>Writes made so far (objects and statuses).</summary>
    public int Writes => Volatile.Read(ref _writes);

    /// <inheritdoc />
    public bool CanWrite => isLeader();

    /// <inheritdoc />
    public CanaryWorkloads Observe(StoreSnapshot snapshot, CanaryResource canary)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(canary);
        var ns = canary.Metadata.Namespace;
        var target = Deployment(ns, canary.Spec.TargetName);
        var primary = Deployment(ns, CanaryObjects.PrimaryName(canary));
        return new CanaryWorkloads(
            target is null ? null : View(target),
            primary is null ? null : View(primary),
            target is null ? 0 : ReadyPods(snapshot, target),
            primary is null ? 0 : ReadyPods(snapshot, primary));
    }

    /// <inheritdoc />
    public async Task<bool> WriteAsync(CanaryResource canary, CanaryStep decided, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(decided);
        var step = decided;
        if (!CanWrite)
        {
            throw new InvalidOperationException($"Canary {canary.Metadata.Namespace}/{canary.Metadata.Name}: this control plane replica does not hold the leader lease; only the leader writes to the cluster");
        }

        if (step.DeletesCanary)
        {
            // revertOnDeletion's last step: the target serves again. The apex Service is kept (released from the Canary);
            // the finalizer goes, and with it the Canary; the garbage collector removes what it owns (the primary, the
            // -primary and -canary Services).
            var finalized = await GuardAsync(CanaryResource.KindName, canary.Metadata.Namespace, canary.Metadata.Name, () => FinalizeAsync(canary, cancellationToken));
            Interlocked.Add(ref _writes, finalized ? 1 : 0);
            return finalized;
        }

        if (step.Deletes.Where(d => d.Kind != HttpRouteResource.KindName).Select(d => (ResourceKey?)d).FirstOrDefault() is { } other)
        {
            // Only revertOnDeletion deletes before its last step, and only the apex HTTPRoute.
            throw new CanaryWriteException($"Canary {canary.Metadata.Namespace}/{canary.Metadata.Name}: deleting {other.Kind} {other.Namespace}/{other.Name} is left to the garbage collector on a cluster");
        }

        var written = 0;
        var (finalizer, latest) = await GuardAsync(CanaryResource.KindName, canary.Metadata.Namespace, canary.Metadata.Name, () => SyncFinalizerAsync(canary, cancellationToken));
        written += finalizer ? 1 : 0;
        if (finalizer && latest is not null && ClusterObjects.DeletionTimestamp(latest) is not null && !ClusterObjects.HasCanaryFinalizer(latest))
        {
            // Opted out while marked for deletion: with its finalizer gone the API server deletes the Canary (if no other
            // finalizer holds it); nothing of the step is written, as Flagger does nothing more for it.
            Interlocked.Add(ref _writes, written);
            return true;
        }
        foreach (var write in step.Writes)
        {
            written += await GuardAsync(write.Kind, write.Metadata.Namespace, write.Metadata.Name, () => WriteAsync(canary, write, cancellationToken)) ? 1 : 0;
        }

        foreach (var delete in step.Deletes)
        {
            written += await GuardAsync(delete.Kind, delete.Namespace, delete.Name, () => DeleteRouteAsync(delete, cancellationToken)) ? 1 : 0;
        }

        if (!step.Status.Equals(canary.Status))
        {
            written += await GuardAsync(CanaryResource.KindName, canary.Metadata.Namespace, canary.Metadata.Name, () => WriteStatusAsync(canary, step.Status, latest, cancellationToken)) ? 1 : 0;
        }

        Interlocked.Add(ref _writes, written);
        return written > 0;
    }

    // Flagger's addFinalizer / removeFinalizer: a Canary with revertOnDeletion carries finalizer.flagger.app, one without
    // it does not (opted out: the finalizer goes, even once the Canary is marked for deletion, as Flagger's update handler
    // does). None is added to a Canary marked for deletion (the API server refuses it). Returns the Canary as written, for
    // the status written after it to be conditional on its new resourceVersion.
    private async Task<(bool, JsonObject?)> SyncFinalizerAsync(CanaryResource canary, CancellationToken cancellationToken)
    {
        if (mirror.Source(canary.Key) is not { } source
            || ClusterObjects.HasCanaryFinalizer(source.Object) == canary.Spec.RevertOnDeletion
            || (canary.Spec.RevertOnDeletion && ClusterObjects.DeletionTimestamp(source.Object) is not null))
        {
            return (false, null);
        }

        var written = await api.MergePatchAsync(source.Type, canary.Metadata.Namespace, canary.Metadata.Name, Conditional(source.Object, new JsonObject
        {
            ["metadata"] = new JsonObject { ["finalizers"] = Finalizers(source.Object, canary.Spec.RevertOnDeletion) },
        }), cancellationToken);
        Log.Written(logger, $"Canary {canary.Metadata.Namespace}/{canary.Metadata.Name}", canary.Spec.RevertOnDeletion ? $"given the finalizer {ClusterObjects.CanaryFinalizer}" : $"rid of the finalizer {ClusterObjects.CanaryFinalizer} (revertOnDeletion is off)");
        return (true, written);
    }

    // The Canary's finalizers with Flagger's added (once) or removed, the others kept in their order.
    private static JsonArray Finalizers(JsonObject canary, bool with)
    {
        var others = (canary["metadata"]?["finalizers"] as JsonArray ?? []).Select(Text).Where(f => f is not null && f != ClusterObjects.CanaryFinalizer).Select(f => (JsonNode?)f);
        return new JsonArray([.. others, .. with ? new JsonNode?[] { ClusterObjects.CanaryFinalizer } : []]);
    }

    // The apex HTTPRoute goes when the apex Service selects the target again (revertOnDeletion).
    private async Task<bool> DeleteRouteAsync(ResourceKey route, CancellationToken cancellationToken)
    {
        if (mirror.Source(route) is null)
        {
            return false;
        }

        await api.DeleteAsync(Routes, route.Namespace, route.Name, cancellationToken);
        Log.Written(logger, $"HTTPRoute {route.Namespace}/{route.Name}", "deleted (the apex Service selects the target)");
        return true;
    }

    // The last step of revertOnDeletion on a cluster, once the Canary is Terminated: the apex Service, if the controller made
    // it, is released from the Canary (its ownerReference removed) so the garbage collector keeps it selecting the target;
    // then Flagger's finalizer is removed, conditional on the Canary's resourceVersion, and the API server deletes the Canary.
    private async Task<bool> FinalizeAsync(CanaryResource canary, CancellationToken cancellationToken)
    {
        var id = $"{canary.Metadata.Namespace}/{canary.Metadata.Name}";
        if (mirror.Source(canary.Key) is not { } source || !ClusterObjects.HasCanaryFinalizer(source.Object))
        {
            return false;
        }

        if (ClusterObjects.DeletionTimestamp(source.Object) is null)
        {
            throw new ConflictException($"Canary {id} is not marked for deletion on the cluster");
        }

        var uid = Text(source.Object["metadata"]?["uid"]);
        var apexKey = new ResourceKey(ServiceResource.KindName, canary.Metadata.Namespace, CanaryObjects.ApexName(canary));
        if (uid is not null && mirror.Source(apexKey) is { } apex
            && (apex.Object["metadata"]?["ownerReferences"] as JsonArray ?? []).OfType<JsonObject>().ToList() is var owners
            && owners.Any(o => Text(o["uid"]) == uid))
        {
            var kept = owners.Where(o => Text(o["uid"]) != uid).Select(o => (JsonNode?)o.DeepClone()).ToList();
            await GuardAsync(ServiceResource.KindName, apexKey.Namespace, apexKey.Name, async () =>
            {
                await api.MergePatchAsync(WatchedType.Services, apexKey.Namespace, apexKey.Name, Conditional(apex.Object, new JsonObject
                {
                    ["metadata"] = new JsonObject { ["ownerReferences"] = kept.Count == 0 ? null : new JsonArray([.. kept]) },
                }), cancellationToken);
                return true;
            });
            Log.Written(logger, $"Service {apexKey.Namespace}/{apexKey.Name}", "kept for the target (no longer owned by the Canary)");
        }

        await api.MergePatchAsync(source.Type, canary.Metadata.Namespace, canary.Metadata.Name, Conditional(source.Object, new JsonObject
        {
            ["metadata"] = new JsonObject { ["finalizers"] = Finalizers(source.Object, with: false) },
        }), cancellationToken);
        Log.Written(logger, $"Canary {id}", $"finalized: {ClusterObjects.CanaryFinalizer} removed, the API server deletes it");
        return true;
    }

    // The pod template's hash, its selector label left out (the primary's says <target>-primary where the target's says
    // <target>): Flagger's lastAppliedSpec is a hash of the target's template, and the primary runs the target's revision
    // when their hashes agree. Keys sorted, so the hash is the template's, not its serialisation's.
    internal static string TemplateHash(JsonObject deployment)
    {
        var template = (deployment["spec"]?["template"] as JsonObject)?.DeepClone() as JsonObject ?? [];
        if (template["metadata"]?["labels"] is JsonObject labels && CanaryObjects.SelectorLabels.FirstOrDefault(labels.ContainsKey) is { } label)
        {
            labels.Remove(label);
        }

        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(template)!.ToJsonString()));
        return Convert.ToHexStringLower(bytes.AsSpan(0, 8));
    }

    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Canonical)]),
        _ => node?.DeepClone(),
    };

    // The Deployment as the Workload the state machine reads: its pod template's labels (what the Services select), its
    // replicas (1 when unset, as the API server defaults them), and the template's hash as the version.
    internal static WorkloadResource View(JsonObject deployment)
    {
        var template = deployment["spec"]?["template"];
        var containers = (template?["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        return new WorkloadResource
        {
            Metadata = new ObjectMeta
            {
                Name = Text(deployment["metadata"]?["name"]) ?? "",
                Namespace = Text(deployment["metadata"]?["namespace"]) ?? "default",
                Labels = Strings(template?["metadata"]?["labels"]),
                Annotations = Strings(deployment["metadata"]?["annotations"]),
            },
            Spec = new WorkloadSpec(
                Replicas(deployment),
                Text(template?["spec"]?["serviceAccountName"]) ?? "default",
                "",
                [],
                [],
                null,
                [.. containers.SelectMany(c => (c["ports"] as JsonArray ?? []).OfType<JsonObject>()).Select(p => p["containerPort"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : 0).Where(p => p > 0)],
                [],
                TemplateHash(deployment))
            {
                Image = containers.Select(c => Text(c["image"])).FirstOrDefault(),
            },
        };
    }

    private static int Replicas(JsonObject deployment) => deployment["spec"]?["replicas"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : 1;

    // The Deployment's pods (mirrored as instances of the workload its ReplicaSet names) that are ready and run every
    // container of its template with the template's image: a pod of the previous revision still running (a rolling update
    // under way) is not counted for the new one, as Flagger waits for the Deployment's updated replicas.
    private int ReadyPods(StoreSnapshot snapshot, JsonObject deployment)
    {
        var ns = Text(deployment["metadata"]?["namespace"]) ?? "default";
        var name = Text(deployment["metadata"]?["name"]) ?? "";
        var images = (deployment["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(c => (Name: Text(c["name"]) ?? "", Image: Text(c["image"]) ?? "")).ToList();
        return snapshot.OfKind<InstanceResource>()
            .Where(i => i.Metadata.Namespace == ns && i.Spec.Workload == name && i.Spec.Ready)
            .Count(i => mirror.Source(i.Key) is { } pod && images.All(want =>
                (pod.Object["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>().Any(c => Text(c["name"]) == want.Name && Text(c["image"]) == want.Image)));
    }

    private JsonObject? Deployment(string ns, string name) =>
        mirror.Source(new ResourceKey(DeploymentResource.KindName, ns, name)) is { } source ? source.Object : null;

    private Task<bool> WriteAsync(CanaryResource canary, Resource write, CancellationToken cancellationToken) => write switch
    {
        WorkloadResource w when w.Metadata.Name == canary.Spec.TargetName => ScaleTargetAsync(canary, w, cancellationToken),
        WorkloadResource w when w.Metadata.Name == CanaryObjects.PrimaryName(canary) => WritePrimaryAsync(canary, w, cancellationToken),
        ServiceResource s => WriteServiceAsync(canary, s, cancellationToken),
        HttpRouteResource r => WriteRouteAsync(canary, r, cancellationToken),
        _ => throw new CanaryWriteException($"{write.Kind} {write.Metadata.Namespace}/{write.Metadata.Name}: not written on a cluster"),
    };

    // Flagger's ScaleToZero / ScaleFromZero: the target's replicas, conditional on the version the step was decided from.
    private async Task<bool> ScaleTargetAsync(CanaryResource canary, WorkloadResource planned, CancellationToken cancellationToken)
    {
        var ns = canary.Metadata.Namespace;
        var target = Deployment(ns, planned.Metadata.Name) ?? throw new ConflictException($"Deployment {ns}/{planned.Metadata.Name} is gone from the cluster");
        if (TemplateHash(target) != planned.Spec.Version)
        {
            throw new ConflictException($"Deployment {ns}/{planned.Metadata.Name} changed since the step was decided");
        }

        if (Replicas(target) == planned.Spec.Replicas)
        {
            return false;
        }

        await api.MergePatchAsync(WatchedType.Deployments, ns, planned.Metadata.Name, Conditional(target, new JsonObject { ["spec"] = new JsonObject { ["replicas"] = planned.Spec.Replicas } }), cancellationToken);
        Log.Written(logger, $"Deployment {ns}/{planned.Metadata.Name}", $"scaled to {planned.Spec.Replicas}");
        return true;
    }

    // Flagger's Initialize (create the primary from the target) and Promote (copy the target's pod template to it).
    private async Task<bool> WritePrimaryAsync(CanaryResource canary, WorkloadResource planned, CancellationToken cancellationToken)
    {
        var ns = canary.Metadata.Namespace;
        var name = planned.Metadata.Name;
        var target = Deployment(ns, canary.Spec.TargetName) ?? throw new ConflictException($"Deployment {ns}/{canary.Spec.TargetName} is gone from the cluster");
        var existing = Deployment(ns, name);
        var label = CanaryObjects.SelectorLabel(View(target)) ?? throw new ConflictException($"Deployment {ns}/{canary.Spec.TargetName} changed: none of its selector labels is left");
        if (existing is not null && TemplateHash(existing) == planned.Spec.Version)
        {
            if (Replicas(existing) == planned.Spec.Replicas)
            {
                return false;
            }

            await api.MergePatchAsync(WatchedType.Deployments, ns, name, Conditional(existing, new JsonObject { ["spec"] = new JsonObject { ["replicas"] = planned.Spec.Replicas } }), cancellationToken);
            Log.Written(logger, $"Deployment {ns}/{name}", $"scaled to {planned.Spec.Replicas}");
            return true;
        }

        if (TemplateHash(target) != planned.Spec.Version)
        {
            throw new ConflictException($"Deployment {ns}/{canary.Spec.TargetName} changed since the step was decided");
        }

        var primary = PrimaryObject(canary, target, label, planned.Spec.Replicas);
        if (existing is null)
        {
            await api.CreateAsync(WatchedType.Deployments, primary, cancellationToken);
            Log.Written(logger, $"Deployment {ns}/{name}", "created from the target");
        }
        else
        {
            // A whole replacement (a merge patch would keep template fields the target no longer has).
            primary["metadata"]!["resourceVersion"] = existing["metadata"]?["resourceVersion"]?.DeepClone();
            await api.ReplaceAsync(WatchedType.Deployments, primary, cancellationToken);
            Log.Written(logger, $"Deployment {ns}/{name}", "given the target's pod template");
        }

        return true;
    }

    // Flagger's primary: the target's spec with its selector (matchLabels) and its template's labels saying
    // <label>: <target>-primary; the target's labels likewise and its annotations without Keel's (an image update must go
    // through the canary) or kubectl's last-applied configuration; owned by the Canary.
    private JsonObject PrimaryObject(CanaryResource canary, JsonObject target, string label, int replicas)
    {
        var name = CanaryObjects.PrimaryName(canary);
        var spec = (JsonObject)target["spec"]!.DeepClone();
        spec["replicas"] = replicas;
        spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { [label] = name } };
        var template = spec["template"] as JsonObject ?? [];
        spec["template"] = template;
        var templateMetadata = template["metadata"] as JsonObject ?? [];
        template["metadata"] = templateMetadata;
        var templateLabels = templateMetadata["labels"] as JsonObject ?? [];
        templateMetadata["labels"] = templateLabels;
        templateLabels[label] = name;
        var labels = (target["metadata"]?["labels"] as JsonObject)?.DeepClone() as JsonObject ?? [];
        if (labels.ContainsKey(label))
        {
            labels[label] = name;
        }

        var annotations = new JsonObject(Strings(target["metadata"]?["annotations"])
            .Where(a => !a.Key.StartsWith("keel.sh/", StringComparison.Ordinal) && a.Key != "kubectl.kubernetes.io/last-applied-configuration")
            .Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value)));
        var metadata = Metadata(canary, name);
        metadata["labels"] = labels;
        metadata["annotations"] = annotations;
        return new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["metadata"] = metadata, ["spec"] = spec };
    }

    // Flagger's kubernetes_default router: a ClusterIP Service selecting the primary (apex, -primary) or the target
    // (-canary) on the canary's port. An existing Service (the apex a user made) is patched: its selector replaced whole.
    private async Task<bool> WriteServiceAsync(CanaryResource canary, ServiceResource planned, CancellationToken cancellationToken)
    {
        var ns = planned.Metadata.Namespace;
        var name = planned.Metadata.Name;
        var ports = new JsonArray([.. planned.Spec.Ports.Select(p =>
        {
            var port = new JsonObject { ["protocol"] = "TCP", ["port"] = p.Port, ["targetPort"] = p.TargetPort };
            if (p.Name is not null)
            {
                port["name"] = p.Name;
            }

            if (p.AppProtocol is not null)
            {
                port["appProtocol"] = p.AppProtocol;
            }

            return (JsonNode)port;
        })]);
        if (mirror.Source(planned.Key) is { } source)
        {
            var errors = new List<string>();
            if (ClusterObjects.ToResource(source.Type, source.Object, errors) is ServiceResource seen && seen.Spec.Equals(planned.Spec))
            {
                return false;
            }

            // A merge patch merges maps: the selector keys not wanted any more are removed (null), the ports replaced.
            var selector = new JsonObject(planned.Spec.Selector.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value)));
            foreach (var key in Strings(source.Object["spec"]?["selector"]).Keys.Where(k => !planned.Spec.Selector.ContainsKey(k)))
            {
                selector[key] = null;
            }

            await api.MergePatchAsync(WatchedType.Services, ns, name, Conditional(source.Object, new JsonObject { ["spec"] = new JsonObject { ["selector"] = selector, ["ports"] = ports } }), cancellationToken);
            Log.Written(logger, $"Service {ns}/{name}", "patched");
            return true;
        }

        var service = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = Metadata(canary, name),
            ["spec"] = new JsonObject
            {
                ["type"] = "ClusterIP",
                ["selector"] = new JsonObject(planned.Spec.Selector.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value))),
                ["ports"] = ports,
            },
        };
        await api.CreateAsync(WatchedType.Services, service, cancellationToken);
        Log.Written(logger, $"Service {ns}/{name}", "created");
        return true;
    }

    // Flagger's gatewayapi router: the apex HTTPRoute, its parentRef the apex Service (GAMMA), its backendRefs weighted.
    private async Task<bool> WriteRouteAsync(CanaryResource canary, HttpRouteResource planned, CancellationToken cancellationToken)
    {
        var ns = planned.Metadata.Namespace;
        var name = planned.Metadata.Name;
        var json = ResourceWriter.ToJson(planned);
        if (mirror.Source(planned.Key) is { } source)
        {
            var errors = new List<string>();
            // Compared as written: the cluster's route reads back with the namespaces the planned one leaves implicit.
            if (ClusterObjects.ToResource(source.Type, source.Object, errors) is HttpRouteResource seen && JsonNode.DeepEquals(ResourceWriter.ToJson(seen)["spec"], json["spec"]))
            {
                return false;
            }

            // The spec's lists (parentRefs, rules) are replaced whole by a merge patch.
            await api.MergePatchAsync(Routes, ns, name, Conditional(source.Object, new JsonObject { ["spec"] = json["spec"]!.DeepClone() }), cancellationToken);
            Log.Written(logger, $"HTTPRoute {ns}/{name}", "weights set");
            return true;
        }

        json["metadata"] = Metadata(canary, name);
        json.Remove("status");
        await api.CreateAsync(Routes, json, cancellationToken);
        Log.Written(logger, $"HTTPRoute {ns}/{name}", "created");
        return true;
    }

    // The status through the status subresource, conditional on the Canary's resourceVersion, and only when the mirror
    // still holds the status the step was decided from (a newer one is decided again).
    private async Task<bool> WriteStatusAsync(CanaryResource canary, CanaryStatus status, JsonObject? latest, CancellationToken cancellationToken)
    {
        var id = $"{canary.Metadata.Namespace}/{canary.Metadata.Name}";
        if (mirror.Source(canary.Key) is not { } source)
        {
            throw new ConflictException($"Canary {id} is gone from the cluster");
        }

        var errors = new List<string>();
        if (ClusterObjects.ToResource(source.Type, source.Object, errors) is not CanaryResource seen || !seen.Status.Equals(canary.Status) || !seen.Spec.Equals(canary.Spec))
        {
            throw new ConflictException($"Canary {id} changed since the step was decided");
        }

        // A copy (the mirror's object is left as the cluster holds it), of the Canary as this step last wrote it if it did.
        var obj = (JsonObject)(latest ?? source.Object).DeepClone();
        obj["status"] = ResourceWriter.ToJson(canary with { Status = status })["status"]?.DeepClone() ?? new JsonObject();
        await api.ReplaceStatusAsync(source.Type, obj, cancellationToken);
        Log.Written(logger, $"Canary {id}", $"status {status.Phase}, weight {status.CanaryWeight}");
        return true;
    }

    // The metadata of an object the controller makes: owned by the Canary (deleted with it by the garbage collector, as
    // Flagger's are), when the Canary's uid is known.
    private JsonObject Metadata(CanaryResource canary, string name)
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = canary.Metadata.Namespace };
        if (mirror.Source(canary.Key) is { } source && Text(source.Object["metadata"]?["uid"]) is { Length: > 0 } uid)
        {
            metadata["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = Text(source.Object["apiVersion"]) ?? CanaryResource.FlaggerVersion,
                ["kind"] = CanaryResource.KindName,
                ["name"] = canary.Metadata.Name,
                ["uid"] = uid,
                ["controller"] = true,
                ["blockOwnerDeletion"] = true,
            });
        }

        return metadata;
    }

    private static JsonObject Conditional(JsonObject seen, JsonObject patch)
    {
        var metadata = patch["metadata"] as JsonObject ?? [];
        metadata["resourceVersion"] = seen["metadata"]?["resourceVersion"]?.DeepClone();
        patch["metadata"] = metadata;
        return patch;
    }

    private async Task<T> GuardAsync<T>(string kind, string ns, string name, Func<Task<T>> write)
    {
        try
        {
            return await write();
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            Log.Conflict(logger, $"{kind} {ns}/{name}", (int)ex.Response.StatusCode);
            throw new ConflictException($"{kind} {ns}/{name} changed on the cluster (the API server answered {(int)ex.Response.StatusCode}): nothing was overwritten; the step is decided again", ex);
        }
        catch (HttpOperationException ex)
        {
            throw new CanaryWriteException($"{kind} {ns}/{name}: the API server answered {(int)ex.Response.StatusCode}: {ex.Response.Content}", ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Object} {How} on the cluster")]
        public static partial void Written(ILogger logger, string @object, string how);

        [LoggerMessage(2, LogLevel.Information, "{Object} not written: the API server answered {Code}")]
        public static partial void Conflict(ILogger logger, string @object, int code);
    }
}
