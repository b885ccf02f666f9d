using System.Text.Json.Nodes;
using Linnet.ControlPlane.Api;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Linnet.ControlPlane.Updates;

/// <summary>The release loop's verdicts over the HTTP API (admin only, as every <c>/api/v1</c> endpoint):
/// <c>GET /api/v1/image-updates</c> lists them (promoted and rolled back, with their reasons);
/// <c>POST /api/v1/image-updates/{namespace}/{workload}/clear</c> forgets the workload's rolled-back versions, so
/// the next push or poll may try them again.</summary>
internal sealed class ImageUpdatesApi(IResourceStore store)
{
    public static void Map(RouteGroupBuilder api, ImageUpdatesApi updates)
    {
        api.MapGet("/image-updates", updates.ListAsync);
        api.MapPost("/image-updates/{namespace}/{workload}/clear", updates.ClearAsync);
    }

    public Task ListAsync(HttpContext context)
    {
        var verdicts = new JsonArray();
        foreach (var verdict in store.Snapshot().OfKind<ReleaseVerdictResource>().OrderBy(v => v.Spec.At))
        {
            verdicts.Add(Json(verdict));
        }

        return ApiResponses.JsonAsync(context, StatusCodes.Status200OK, new JsonObject { ["verdicts"] = verdicts });
    }

    public async Task ClearAsync(HttpContext context, string @namespace, string workload)
    {
        if (!ManifestParser.IsDnsLabel(@namespace) || !ManifestParser.IsDnsLabel(workload))
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, $"'{@namespace}/{workload}' is not a namespace/workload name (DNS labels)");
            return;
        }

        var snapshot = store.Snapshot();
        var rolledBack = snapshot.OfKind<ReleaseVerdictResource>()
            .Where(v => v.Metadata.Namespace == @namespace && v.Spec.Workload == workload && v.Spec.Verdict == ReleaseVerdicts.RolledBack).ToList();
        if (rolledBack.Count == 0 && !snapshot.Resources.ContainsKey(new ResourceKey(WorkloadResource.KindName, @namespace, workload)))
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status404NotFound, $"no workload {@namespace}/{workload}");
            return;
        }

        if (rolledBack.Count > 0)
        {
            try
            {
                await store.CommitAsync([.. rolledBack.Select(v => (StoreChange)new DeleteChange(v.Key) { ExpectedVersion = v.Metadata.ResourceVersion })], context.RequestAborted);
            }
            catch (ConflictException ex)
            {
                await ApiResponses.ErrorAsync(context, StatusCodes.Status409Conflict, $"the verdicts changed meanwhile, nothing was cleared; try again: {ex.Message}");
                return;
            }
        }

        await ApiResponses.JsonAsync(context, StatusCodes.Status200OK, new JsonObject { ["cleared"] = new JsonArray([.. rolledBack.Select(v => (JsonNode)v.Spec.Image)]) });
    }

    private static JsonObject Json(ReleaseVerdictResource verdict) => new()
    {
        ["namespace"] = verdict.Metadata.Namespace,
        ["workload"] = verdict.Spec.Workload,
        ["canary"] = verdict.Spec.Canary,
        ["image"] = verdict.Spec.Image,
        ["verdict"] = verdict.Spec.Verdict,
        ["reasons"] = new JsonArray([.. verdict.Spec.Reasons.Select(r => (JsonNode)r)]),
        ["at"] = verdict.Spec.At.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    };
}
