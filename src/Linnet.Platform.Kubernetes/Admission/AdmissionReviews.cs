using System.Text;
using System.Text.Json.Nodes;
using Linnet.Platform.Kubernetes.Injection;

namespace Linnet.Platform.Kubernetes.Admission;

/// <summary>Answers an <c>admission.k8s.io/v1</c> AdmissionReview for a pod with <see cref="ProxyInjector.Mutate"/>'s
/// patch (the same mutation <c>linnet inject</c> applies to files).</summary>
public static class AdmissionReviews
{
    /// <summary>The only apiVersion the webhook configuration asks for.</summary>
    public const string ApiVersion = "admission.k8s.io/v1";

    /// <summary>The namespace whose pods are never injected.</summary>
    public const string KubeSystem = "kube-system";

    /// <summary>The answer to <paramref name="review"/>, or the reason it is not an AdmissionReview this webhook
    /// answers (then an HTTP 400).</summary>
    public static AdmissionAnswer Answer(JsonNode? review, Func<string, IReadOnlyDictionary<string, string>> namespaceAnnotations, InjectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(namespaceAnnotations);
        ArgumentNullException.ThrowIfNull(settings);
        if (review is not JsonObject root || (string?)Text(root["apiVersion"]) != ApiVersion || Text(root["kind"]) != "AdmissionReview")
        {
            return AdmissionAnswer.Invalid($"not an AdmissionReview of {ApiVersion}");
        }

        if (root["request"] is not JsonObject request || Text(request["uid"]) is not { Length: > 0 } uid)
        {
            return AdmissionAnswer.Invalid("request.uid is required");
        }

        var kind = request["kind"];
        var isPodCreate = Text(kind?["group"]) == "" && Text(kind?["version"]) == "v1" && Text(kind?["kind"]) == "Pod" && Text(request["operation"]) == "CREATE";
        if (!isPodCreate)
        {
            // Only pods are injected; anything else the configuration sends by mistake is let through unchanged.
            return AdmissionAnswer.Reviewed(Response(uid, allowed: true), InjectionOutcome.Skipped, "not a pod being created");
        }

        if (request["object"] is not JsonObject pod)
        {
            return AdmissionAnswer.Invalid("request.object is required for a pod's CREATE");
        }

        var ns = Text(request["namespace"]) ?? Text(pod["metadata"]?["namespace"]) ?? "default";
        if (ns == KubeSystem)
        {
            // The webhook configuration's namespaceSelector already leaves it out; a configuration edited by hand
            // must not mesh the cluster's own components either (Linkerd's injector skips it too).
            return AdmissionAnswer.Reviewed(Response(uid, allowed: true), InjectionOutcome.Skipped, "kube-system is never injected");
        }

        var result = ProxyInjector.Mutate(pod, namespaceAnnotations(ns), settings, explicitRequest: false, WorkloadName(pod));
        var response = result.Outcome switch
        {
            InjectionOutcome.Injected => Response(uid, allowed: true, patch: result.Patch),
            InjectionOutcome.Skipped => Response(uid, allowed: true),
            _ => Response(uid, allowed: false, refusal: $"linnet-proxy-injector: {result.Reason}"),
        };
        return AdmissionAnswer.Reviewed(response, result.Outcome, result.Reason);
    }

    /// <summary>The workload a pod belongs to, for the proxy's metrics: a ReplicaSet's Deployment (its name less the
    /// pod-template hash), another owner's name, else the pod's own name or generateName.</summary>
    internal static string? WorkloadName(JsonObject pod)
    {
        var owner = pod["metadata"]?["ownerReferences"]?.AsArray().OfType<JsonObject>().FirstOrDefault(o => o["controller"] is JsonValue c && c.TryGetValue<bool>(out var isController) && isController)
            ?? pod["metadata"]?["ownerReferences"]?.AsArray().OfType<JsonObject>().FirstOrDefault();
        if (owner is not null && Text(owner["name"]) is { Length: > 0 } name)
        {
            var dash = name.LastIndexOf('-');
            return Text(owner["kind"]) == "ReplicaSet" && dash > 0 ? name[..dash] : name;
        }

        return Text(pod["metadata"]?["name"]) is { Length: > 0 } podName ? podName : Text(pod["metadata"]?["generateName"])?.TrimEnd('-');
    }

    private static JsonObject Response(string uid, bool allowed, JsonArray? patch = null, string? refusal = null)
    {
        var response = new JsonObject { ["uid"] = uid, ["allowed"] = allowed };
        if (patch is not null)
        {
            response["patchType"] = "JSONPatch";
            response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(patch.ToJsonString()));
        }

        if (refusal is not null)
        {
            response["status"] = new JsonObject { ["code"] = 422, ["reason"] = "Invalid", ["message"] = refusal };
        }

        return new JsonObject { ["apiVersion"] = ApiVersion, ["kind"] = "AdmissionReview", ["response"] = response };
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
