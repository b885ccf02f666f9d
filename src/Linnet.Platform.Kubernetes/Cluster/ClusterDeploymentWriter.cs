using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using k8s.Autorest;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Updates;
using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>Writes Keel-style image updates of Deployments to the API server: one JSON merge patch (RFC 7386) of the
/// Deployment's <c>spec.template.spec.containers</c>, the whole list as the mirror last saw it with only the planned
/// containers' <c>image</c> changed (a merge patch replaces a list whole), and Keel's <c>keel.sh/update-time</c>
/// annotation on the pod template, conditional on the <c>metadata.resourceVersion</c> the mirror saw: a concurrent
/// change is never overwritten (the API server answers 409, and the update is planned again). Nothing is written when
/// the mirrored Deployment no longer is what was planned, or when this replica does not hold the leader lease.</summary>
public sealed partial class ClusterDeploymentWriter(ClusterMirror mirror, ClusterApi api, Func<bool> isLeader, TimeProvider time, ILogger logger) : IDeploymentImageWriter
{
    /// <summary>Keel's annotation on the pod template recording when it last updated the images.</summary>
    public const string UpdateTimeAnnotation = "keel.sh/update-time";

    private int _writes;

    /// <summary>Patches written so far.</summary>
    public int Writes => Volatile.Read(ref _writes);

    /// <inheritdoc />
    public bool CanWrite => isLeader();

    /// <inheritdoc />
    public async Task WriteAsync(DeploymentResource planned, IReadOnlyDictionary<string, string> images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        ArgumentNullException.ThrowIfNull(images);
        if (!CanWrite)
        {
            throw new InvalidOperationException($"Deployment {planned.Metadata.Namespace}/{planned.Metadata.Name}: this control plane replica does not hold the leader lease; only the leader writes to the cluster");
        }

        var id = $"{planned.Metadata.Namespace}/{planned.Metadata.Name}";
        if (mirror.Source(planned.Key) is not { } source)
        {
            throw new ConflictException($"Deployment {id} is gone from the cluster");
        }

        var errors = new List<string>();
        if (ClusterObjects.ToResource(source.Type, source.Object, errors) is not DeploymentResource seen || !seen.Spec.Equals(planned.Spec)
            || !Same(seen.Metadata.Annotations, planned.Metadata.Annotations) || !Same(seen.Metadata.Labels, planned.Metadata.Labels))
        {
            throw new ConflictException($"Deployment {id} changed since the update was planned; planned again from the new version");
        }

        var obj = source.Object;
        var containers = obj["spec"]?["template"]?["spec"]?["containers"]?.DeepClone() as JsonArray ?? [];
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var container in containers.OfType<JsonObject>())
        {
            if (container["name"]?.GetValue<string>() is { } name && images.TryGetValue(name, out var image))
            {
                container["image"] = image;
                found.Add(name);
            }
        }

        if (images.Keys.FirstOrDefault(n => !found.Contains(n)) is { } missing)
        {
            throw new ConflictException($"Deployment {id} has no container '{missing}' any more; planned again from the new version");
        }

        var resourceVersion = obj["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "";
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
            ["spec"] = new JsonObject
            {
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [UpdateTimeAnnotation] = time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) } },
                    ["spec"] = new JsonObject { ["containers"] = containers },
                },
            },
        };
        try
        {
            await api.MergePatchAsync(source.Type, planned.Metadata.Namespace, planned.Metadata.Name, patch, cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            Log.Conflict(logger, id, resourceVersion, (int)ex.Response.StatusCode);
            throw new ConflictException(ex.Response.StatusCode == HttpStatusCode.NotFound
                ? $"Deployment {id} was deleted meanwhile"
                : $"Deployment {id} changed on the cluster after resourceVersion {resourceVersion}: nothing was overwritten; planned again from the new version", ex);
        }

        Interlocked.Increment(ref _writes);
        Log.Written(logger, id, string.Join(", ", images.Select(i => $"{i.Key}={i.Value}")));
    }

    private static bool Same(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Deployment {Deployment} patched on the cluster: {Images}")]
        public static partial void Written(ILogger logger, string deployment, string images);

        [LoggerMessage(2, LogLevel.Information, "Deployment {Deployment} not patched: the API server answered {Code} for resourceVersion {ResourceVersion}")]
        public static partial void Conflict(ILogger logger, string deployment, string resourceVersion, int code);
    }
}
