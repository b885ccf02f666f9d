using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>List, watch and status writes of any <see cref="WatchedType"/> through KubernetesClient, objects as JSON
/// (typed core calls for Services and Pods; the custom-objects API, whose paths are /apis/{group}/{version}/{plural}, for
/// every other group: CRDs and built-in kinds such as EndpointSlices alike), so one informer serves every type.</summary>
public sealed class ClusterApi(IKubernetes client)
{
    /// <summary>Every object of <paramref name="type"/> in every namespace, and the list's resourceVersion.</summary>
    public async Task<(IReadOnlyList<JsonObject> Items, string ResourceVersion)> ListAsync(WatchedType type, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(type);
        object list = type switch
        {
            { Group: "", Plural: "services" } => await client.CoreV1.ListServiceForAllNamespacesAsync(cancellationToken: cancellationToken),
            { Group: "", Plural: "pods" } => await client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: cancellationToken),
            { Group: "", Plural: "namespaces" } => await client.CoreV1.ListNamespaceAsync(cancellationToken: cancellationToken),
            { Group: "" } => throw new NotSupportedException($"core {type.Plural} are not watched"),
            _ => await client.CustomObjects.ListCustomObjectForAllNamespacesAsync(type.Group, type.Version, type.Plural, cancellationToken: cancellationToken),
        };
        var json = ToJson(list);
        var items = (json["items"] as JsonArray ?? []).OfType<JsonObject>().Select(i => WithType(type, (JsonObject)i.DeepClone())).ToList();
        return (items, json["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "");
    }

    /// <summary>The events of <paramref name="type"/> after <paramref name="resourceVersion"/> (bookmarks asked for),
    /// until the server ends the stream. An ERROR event (a Status, such as 410 Expired) goes to <paramref name="onError"/>.</summary>
    public async IAsyncEnumerable<(WatchEventType Type, JsonObject Object)> WatchAsync(WatchedType type, string resourceVersion, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(type);
        switch (type)
        {
            case { Group: "", Plural: "services" }:
                await foreach (var (t, o) in client.CoreV1.WatchListServiceForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: resourceVersion, onError: onError, cancellationToken: cancellationToken))
                {
                    yield return (t, WithType(type, ToJson(o)));
                }

                break;
            case { Group: "", Plural: "pods" }:
                await foreach (var (t, o) in client.CoreV1.WatchListPodForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: resourceVersion, onError: onError, cancellationToken: cancellationToken))
                {
                    yield return (t, WithType(type, ToJson(o)));
                }

                break;
            case { Group: "", Plural: "namespaces" }:
                await foreach (var (t, o) in client.CoreV1.WatchListNamespaceAsync(allowWatchBookmarks: true, resourceVersion: resourceVersion, onError: onError, cancellationToken: cancellationToken))
                {
                    yield return (t, WithType(type, ToJson(o)));
                }

                break;
            default:
                await foreach (var (t, o) in client.CustomObjects.WatchListCustomObjectForAllNamespacesAsync(type.Group, type.Version, type.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion, onError: onError, cancellationToken: cancellationToken))
                {
                    yield return (t, WithType(type, ToJson(o)));
                }

                break;
        }
    }

    /// <summary>Replaces the status of <paramref name="obj"/> (a custom resource) through its status subresource; the
    /// object's resourceVersion makes it conditional (a 409 when the object changed meanwhile).</summary>
    public async Task<JsonObject> ReplaceStatusAsync(WatchedType type, JsonObject obj, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(obj);
        var metadata = obj["metadata"]!;
        var body = JsonSerializer.Deserialize<JsonElement>(obj.ToJsonString());
        var written = await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(
            body, type.Group, type.Version, metadata["namespace"]!.GetValue<string>(), type.Plural, metadata["name"]!.GetValue<string>(), cancellationToken: cancellationToken);
        return ToJson(written);
    }

    /// <summary>Creates <paramref name="obj"/> (a Service, or an object of a named group such as a custom resource or a
    /// Deployment) in its namespace; 409 when the name is taken.</summary>
    public async Task<JsonObject> CreateAsync(WatchedType type, JsonObject obj, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(obj);
        if (type == WatchedType.Services)
        {
            var service = KubernetesJson.Deserialize<k8s.Models.V1Service>(obj.ToJsonString());
            return ToJson(await client.CoreV1.CreateNamespacedServiceAsync(service, obj["metadata"]!["namespace"]!.GetValue<string>(), cancellationToken: cancellationToken));
        }

        var body = JsonSerializer.Deserialize<JsonElement>(obj.ToJsonString());
        var written = await client.CustomObjects.CreateNamespacedCustomObjectAsync(body, type.Group, type.Version, obj["metadata"]!["namespace"]!.GetValue<string>(), type.Plural, cancellationToken: cancellationToken);
        return ToJson(written);
    }

    /// <summary>Replaces <paramref name="obj"/> (a custom resource of <paramref name="type"/>); its resourceVersion makes it
    /// conditional (409 when the object changed meanwhile).</summary>
    public async Task<JsonObject> ReplaceAsync(WatchedType type, JsonObject obj, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(obj);
        var metadata = obj["metadata"]!;
        var body = JsonSerializer.Deserialize<JsonElement>(obj.ToJsonString());
        var written = await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(body, type.Group, type.Version, metadata["namespace"]!.GetValue<string>(), type.Plural, metadata["name"]!.GetValue<string>(), cancellationToken: cancellationToken);
        return ToJson(written);
    }

    /// <summary>Deletes the custom resource <paramref name="ns"/>/<paramref name="name"/> of <paramref name="type"/>.</summary>
    public async Task DeleteAsync(WatchedType type, string ns, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(type);
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync(type.Group, type.Version, ns, type.Plural, name, cancellationToken: cancellationToken);
    }

    /// <summary>Applies the JSON merge patch (RFC 7386, <c>application/merge-patch+json</c>) <paramref name="patch"/> to
    /// the object <paramref name="ns"/>/<paramref name="name"/> of <paramref name="type"/> (a Service, or a namespaced type
    /// of a named group, such as <c>apps/v1</c> Deployments); a <c>metadata.resourceVersion</c> in the patch makes it conditional
    /// (a 409 when the object changed meanwhile). Returns the object as written.</summary>
    public async Task<JsonObject> MergePatchAsync(WatchedType type, string ns, string name, JsonObject patch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(patch);
        var body = new k8s.Models.V1Patch(patch.ToJsonString(), k8s.Models.V1Patch.PatchType.MergePatch);
        if (type == WatchedType.Services)
        {
            return ToJson(await client.CoreV1.PatchNamespacedServiceAsync(body, name, ns, cancellationToken: cancellationToken));
        }

        if (type.Group.Length == 0)
        {
            throw new NotSupportedException($"core {type.Plural} are not patched");
        }

        var written = await client.CustomObjects.PatchNamespacedCustomObjectAsync(body, type.Group, type.Version, ns, type.Plural, name, cancellationToken: cancellationToken);
        return ToJson(written);
    }

    private static JsonObject ToJson(object value) =>
        JsonNode.Parse(value is JsonElement element ? element.GetRawText() : KubernetesJson.Serialize(value)) as JsonObject ?? new JsonObject();

    // Typed lists leave kind and apiVersion off their items.
    private static JsonObject WithType(WatchedType type, JsonObject obj)
    {
        obj["kind"] ??= type.Kind;
        obj["apiVersion"] ??= type.ApiVersion;
        return obj;
    }
}
