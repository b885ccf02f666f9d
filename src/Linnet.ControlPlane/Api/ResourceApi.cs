using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Admission;
using Linnet.ControlPlane.Core.Kinds;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Destination;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Api;

/// <summary>The JSON HTTP API: apply, get, list, delete, connected proxies, health.</summary>
internal sealed partial class ResourceApi(IResourceStore store, ControlPlaneOptions options, LocalPortAdmission admission, ProxyRegistry proxies, Rollouts.CanaryDeletion canaryDeletion, ILogger<ResourceApi> logger) : IDisposable
{
    /// <summary>The source name of a request that gives none.</summary>
    public const string DefaultSource = "request";

    // Admission reads the store, then commits: two applies at once could hand out the same local port.
    private readonly SemaphoreSlim _applyLock = new(1, 1);

    public async Task ApplyAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        if (options.ReadOnlyResourcesReason is { } readOnly)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status409Conflict, $"apply is refused: {readOnly}");
            return;
        }

        var source = context.Request.Query["source"].ToString();
        if (source.Length == 0)
        {
            source = DefaultSource;
        }

        string text;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
        {
            text = await reader.ReadToEndAsync(ct);
        }

        var parsed = ManifestParser.Parse(text, source, ManifestOrigin.User);
        if (!parsed.IsValid)
        {
            var errors = new JsonArray();
            foreach (var error in parsed.Errors)
            {
                errors.Add(new JsonObject
                {
                    ["source"] = error.Source,
                    ["document"] = error.Document,
                    ["resource"] = error.Resource,
                    ["path"] = error.Path,
                    ["reason"] = error.Reason,
                });
            }

            await ApiResponses.JsonAsync(context, StatusCodes.Status422UnprocessableEntity, new JsonObject { ["errors"] = errors, ["warnings"] = Warnings(parsed) });
            return;
        }

        if (parsed.Resources.Count == 0)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, $"{source}: no resources to apply");
            return;
        }

        CommitResult committed;
        await _applyLock.WaitAsync(ct);
        try
        {
            var snapshot = store.Snapshot();
            var admitted = admission.Admit(snapshot, parsed.Resources);
            if ((admitted.Error ?? Core.Updates.ImagePolicies.Conflict(snapshot, parsed.Resources)) is { } refused)
            {
                await ApiResponses.ErrorAsync(context, StatusCodes.Status422UnprocessableEntity, refused);
                return;
            }

            var changes = new List<StoreChange>(admitted.Resources.Count);
            foreach (var admittedResource in admitted.Resources)
            {
                // Status is the route status controller's (a Canary's, the canary controller's): an apply keeps what it wrote, so re-applying an
                // unchanged route changes nothing (the controller refreshes it after a change).
                var resource = admittedResource switch
                {
                    HttpRouteResource h when store.Find(h.Key) is HttpRouteResource stored => h with { Status = stored.Status },
                    GrpcRouteResource g when store.Find(g.Key) is GrpcRouteResource stored => g with { Status = stored.Status },
                    CanaryResource c when store.Find(c.Key) is CanaryResource stored => c with { Status = stored.Status },
                    _ => admittedResource,
                };

                // A manifest's resourceVersion asks for optimistic concurrency: apply only over that version.
                var expected = resource.Metadata.ResourceVersion;
                changes.Add(new PutChange(resource) { ExpectedVersion = expected > 0 ? expected : null });
            }

            try
            {
                committed = await store.CommitAsync(changes, ct);
            }
            catch (ConflictException ex)
            {
                await ApiResponses.ErrorAsync(context, StatusCodes.Status409Conflict, ex.Message);
                return;
            }
        }
        finally
        {
            _applyLock.Release();
        }

        var actions = new Dictionary<ResourceKey, string>();
        foreach (var change in committed.Events)
        {
            actions[change.Resource.Key] = change.Type == WatchEventType.Added ? "created" : "configured";
        }

        var results = new JsonArray();
        foreach (var resource in parsed.Resources)
        {
            results.Add(new JsonObject
            {
                ["kind"] = resource.Kind,
                ["namespace"] = resource.Metadata.Namespace,
                ["name"] = resource.Metadata.Name,
                ["action"] = actions.GetValueOrDefault(resource.Key, "unchanged"),
            });
        }

        Log.Applied(logger, source, parsed.Resources.Count, actions.Count, committed.Revision);
        await ApiResponses.JsonAsync(context, StatusCodes.Status200OK, new JsonObject { ["revision"] = committed.Revision, ["results"] = results, ["warnings"] = Warnings(parsed) });
    }

    // Accepted but without effect (KnownAnnotations): said on every apply, never silence.
    private static JsonArray Warnings(ManifestParseResult parsed)
    {
        var warnings = new JsonArray();
        foreach (var warning in parsed.Warnings)
        {
            warnings.Add(new JsonObject
            {
                ["source"] = warning.Source,
                ["document"] = warning.Document,
                ["resource"] = warning.Resource,
                ["path"] = warning.Path,
                ["reason"] = warning.Reason,
            });
        }

        return warnings;
    }

    public Task ListAsync(HttpContext context)
    {
        var query = context.Request.Query;
        string? kind = null;
        if (query["kind"].ToString() is { Length: > 0 } kindText)
        {
            kind = ResourceKinds.Resolve(kindText)?.Name;
            if (kind is null)
            {
                return UnknownKindAsync(context, kindText);
            }
        }

        var ns = query["namespace"].ToString();
        var snapshot = store.Snapshot();
        var items = new JsonArray();
        foreach (var resource in snapshot.Resources.Values
                     .Where(r => (kind is null || r.Kind == kind) && (ns.Length == 0 || r.Metadata.Namespace == ns))
                     .OrderBy(r => r.Kind, StringComparer.Ordinal)
                     .ThenBy(r => r.Metadata.Namespace, StringComparer.Ordinal)
                     .ThenBy(r => r.Metadata.Name, StringComparer.Ordinal)
                     .ThenBy(r => r.Key.Group ?? "", StringComparer.Ordinal))
        {
            items.Add(ResourceWriter.ToJson(resource));
        }

        return ApiResponses.JsonAsync(context, StatusCodes.Status200OK, new JsonObject { ["revision"] = snapshot.Revision, ["items"] = items });
    }

    public Task GetAsync(HttpContext context)
    {
        if (!TryKey(context, out var key, out var kindText))
        {
            return UnknownKindAsync(context, kindText);
        }

        return store.Find(key) is { } resource
            ? ApiResponses.JsonAsync(context, StatusCodes.Status200OK, ResourceWriter.ToJson(resource))
            : NotFoundAsync(context, key);
    }

    public async Task DeleteAsync(HttpContext context)
    {
        if (options.ReadOnlyResourcesReason is { } readOnly)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status409Conflict, $"delete is refused: {readOnly}");
            return;
        }

        if (!TryKey(context, out var key, out var kindText))
        {
            await UnknownKindAsync(context, kindText);
            return;
        }

        if (ResourceKinds.Find(key.Kind) is { Author: not KindAuthor.User } written)
        {
            var writer = written.Author == KindAuthor.Platform ? "the platform" : "the control plane";
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, $"{key.Kind} resources are written by {writer}, not deleted");
            return;
        }

        // A Canary with revertOnDeletion is reverted by its controller before it goes (Flagger's finalizer).
        if (key.Kind == CanaryResource.KindName && await canaryDeletion.TryDeferAsync(context, key))
        {
            return;
        }

        var committed = await store.CommitAsync([new DeleteChange(key)], context.RequestAborted);
        if (committed.Events.Count == 0)
        {
            await NotFoundAsync(context, key);
            return;
        }

        Log.Deleted(logger, key.ToString(), committed.Revision);
        await ApiResponses.JsonAsync(context, StatusCodes.Status200OK, new JsonObject
        {
            ["revision"] = committed.Revision,
            ["kind"] = key.Kind,
            ["namespace"] = key.Namespace,
            ["name"] = key.Name,
            ["action"] = "deleted",
        });
    }

    public Task ProxiesAsync(HttpContext context)
    {
        var revision = store.Revision;
        var current = ConfigUpdateFactory.Version(revision);
        var list = new JsonArray();
        foreach (var proxy in proxies.List())
        {
            list.Add(new JsonObject
            {
                ["namespace"] = proxy.Namespace,
                ["workload"] = proxy.Workload,
                ["instance"] = proxy.Instance,
                ["remoteAddress"] = proxy.RemoteAddress,
                ["connectedSince"] = proxy.ConnectedSince.ToString("O", CultureInfo.InvariantCulture),
                ["version"] = proxy.Version,
                ["upToDate"] = proxy.Version == current,
                ["updates"] = proxy.Updates,
            });
        }

        return ApiResponses.JsonAsync(context, StatusCodes.Status200OK, new JsonObject { ["revision"] = revision, ["proxies"] = list });
    }

    public Task HealthAsync(HttpContext context) =>
        ApiResponses.JsonAsync(context, StatusCodes.Status200OK, new JsonObject { ["revision"] = store.Revision });

    public void Dispose() => _applyLock.Dispose();

    private static bool TryKey(HttpContext context, out ResourceKey key, out string kindText)
    {
        var values = context.Request.RouteValues;
        kindText = values["kind"] as string ?? "";
        var kind = ResourceKinds.ResolveQualified(kindText);
        key = new ResourceKey(kind?.Kind.Name ?? "", values["namespace"] as string ?? "", values["name"] as string ?? "") { Group = kind?.Group };
        return kind is not null;
    }

    private static Task UnknownKindAsync(HttpContext context, string kind) =>
        ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, $"'{kind}' is not a known kind (known: {ResourceKinds.Known})");

    private static Task NotFoundAsync(HttpContext context, ResourceKey key) =>
        ApiResponses.ErrorAsync(context, StatusCodes.Status404NotFound, $"{key} not found");

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "applied {Count} resources from {Source} ({Changed} changed) at revision {Revision}")]
        public static partial void Applied(ILogger logger, string source, int count, int changed, long revision);

        [LoggerMessage(2, LogLevel.Information, "deleted {Resource} at revision {Revision}")]
        public static partial void Deleted(ILogger logger, string resource, long revision);
    }
}
