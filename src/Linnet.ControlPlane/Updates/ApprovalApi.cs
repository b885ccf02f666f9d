using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Api;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Updates;
using Linnet.ControlPlane.Notifications;
using Linnet.ControlPlane.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Linnet.ControlPlane.Updates;

/// <summary>Keel's approvals API at Keel's path, <c>/v1/approvals</c>: <c>GET</c> lists every approval (pending and
/// decided), <c>POST {"identifier" or "id", "action": approve|reject|delete, "voter"}</c> votes. The voter is the
/// caller's identity (the admin, or an approver credential), never taken from the body: a body naming someone
/// else is refused. A second vote by the same voter, or a vote on a decided approval, is a conflict (409). The
/// last vote needed applies the update, with exactly the approved digest, in the same transaction that records it.</summary>
internal sealed class ApprovalApi(IResourceStore store, ImageUpdateApplier applier, NotificationSender notifications, TimeProvider time)
{
    private const int MaxBody = 64 * 1024;

    public static void Map(IEndpointRouteBuilder endpoints, ApprovalApi api)
    {
        endpoints.MapGet("/v1/approvals", api.ListAsync).RequireAuthorization(ApiAuthentication.ApprovalsPolicy);
        endpoints.MapPost("/v1/approvals", api.ActAsync).RequireAuthorization(ApiAuthentication.ApprovalsPolicy);
    }

    public Task ListAsync(HttpContext context)
    {
        var list = new JsonArray();
        foreach (var approval in store.Snapshot().OfKind<ApprovalResource>().OrderBy(a => a.Spec.CreatedAt).ThenBy(a => a.Spec.Identifier, StringComparer.Ordinal))
        {
            list.Add(ApprovalJson.ToJson(approval));
        }

        return ApiResponses.JsonAsync(context, StatusCodes.Status200OK, list);
    }

    public async Task ActAsync(HttpContext context)
    {
        var caller = context.User.FindFirstValue(ClaimTypes.Name)!;
        if (context.Request.ContentLength is > MaxBody)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status413PayloadTooLarge, $"the body is over {MaxBody} bytes");
            return;
        }

        JsonObject? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject;
        }
        catch (JsonException ex)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, $"the body is not JSON: {ex.Message}");
            return;
        }

        if (body is null)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, "the body must be a JSON object: {\"identifier\" or \"id\", \"action\": \"approve\" | \"reject\" | \"delete\"}");
            return;
        }

        var errors = new[] { Text(body, "identifier", out var identifier), Text(body, "id", out var id), Text(body, "action", out var action), Text(body, "voter", out var voter) };
        if (errors.FirstOrDefault(e => e is not null) is { } error)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }

        action ??= "approve";
        if (action is not ("approve" or "reject" or "delete"))
        {
            var why = action == "archive" ? ": decided approvals are archived by themselves (their state says how they ended)" : "";
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, $"action: '{action}' is not approve, reject or delete{why}");
            return;
        }

        if (identifier is null && id is null)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, "identifier (workload/<namespace>/<name>:<tag>) or id: one is required");
            return;
        }

        if (voter is not null && voter != caller)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status403Forbidden, $"voter: a vote is cast as the caller's identity ('{caller}'), not as '{voter}'");
            return;
        }

        var matches = store.Snapshot().OfKind<ApprovalResource>().Where(a => (identifier is null || a.Spec.Identifier == identifier) && (id is null || a.Metadata.Name == id)).ToList();
        if (matches.Count == 0)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status404NotFound, $"approval '{identifier ?? id}' not found");
            return;
        }

        if (matches.Count > 1)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, $"id '{id}' names approvals in several namespaces: give the identifier");
            return;
        }

        var approval = matches[0];
        if (ApprovalRequests.TargetKind(approval) == DeploymentResource.KindName && !applier.WritesDeployments)
        {
            // On a cluster the leader owns the records (it writes them to the cluster): a vote here would be lost.
            await ApiResponses.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, $"{approval.Spec.Identifier} updates a Deployment: only the control plane replica holding the leader lease records votes and writes Deployments; nothing was done, try again (on the leader)");
            return;
        }

        try
        {
            switch (action)
            {
                case "delete":
                    if (!context.User.IsInRole(ApiAuthentication.AdminRole))
                    {
                        await ApiResponses.ErrorAsync(context, StatusCodes.Status403Forbidden, "only the admin may delete an approval record");
                        return;
                    }

                    await store.CommitAsync([new DeleteChange(approval.Key) { ExpectedVersion = approval.Metadata.ResourceVersion }], context.RequestAborted);
                    await ApiResponses.JsonAsync(context, StatusCodes.Status200OK, new JsonObject { ["deleted"] = approval.Metadata.Name });
                    return;
                case "reject":
                    if (await RefuseDecidedAsync(context, approval))
                    {
                        return;
                    }

                    var rejected = approval with { Spec = approval.Spec with { State = ApprovalStates.Rejected, Reason = $"rejected by {caller}", UpdatedAt = time.GetUtcNow() } };
                    var result = await store.CommitAsync([new PutChange(rejected) { ExpectedVersion = approval.Metadata.ResourceVersion }], context.RequestAborted);
                    rejected = (ApprovalResource)result.Results[0]!;
                    notifications.Publish(ApprovalNotifications.Rejected(SettingsOf(rejected), rejected));
                    await ApiResponses.JsonAsync(context, StatusCodes.Status200OK, ApprovalJson.ToJson(rejected));
                    return;
                default:
                    if (await RefuseDecidedAsync(context, approval))
                    {
                        return;
                    }

                    if (approval.Spec.Voters.ContainsKey(caller))
                    {
                        await ApiResponses.ErrorAsync(context, StatusCodes.Status409Conflict, $"'{caller}' has already approved {approval.Spec.Identifier}: {approval.Spec.VotesRequired} distinct voters are needed");
                        return;
                    }

                    var now = time.GetUtcNow();
                    var voters = new Dictionary<string, DateTimeOffset>(approval.Spec.Voters, StringComparer.Ordinal) { [caller] = now };
                    var voted = approval with { Spec = approval.Spec with { Voters = voters, UpdatedAt = now } };
                    if (voters.Count >= approval.Spec.VotesRequired)
                    {
                        voted = await applier.ApplyApprovedAsync(voted, context.RequestAborted);
                    }
                    else
                    {
                        voted = (ApprovalResource)(await store.CommitAsync([new PutChange(voted) { ExpectedVersion = approval.Metadata.ResourceVersion }], context.RequestAborted)).Results[0]!;
                    }

                    await ApiResponses.JsonAsync(context, StatusCodes.Status200OK, ApprovalJson.ToJson(voted));
                    return;
            }
        }
        catch (ConflictException ex)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status409Conflict, $"{approval.Spec.Identifier} changed meanwhile, nothing was done; try again: {ex.Message}");
        }
        catch (NotLeaderException ex)
        {
            // A Deployment is written by the leader only; the vote was not recorded.
            await ApiResponses.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
    }

    private async Task<bool> RefuseDecidedAsync(HttpContext context, ApprovalResource approval)
    {
        var reason = approval.Spec.State != ApprovalStates.Pending ? $"is {approval.Spec.State}{(approval.Spec.Reason is { } r ? $" ({r})" : "")}"
            : approval.Spec.Deadline <= time.GetUtcNow() ? "passed its deadline" : null;
        if (reason is null)
        {
            return false;
        }

        await ApiResponses.ErrorAsync(context, StatusCodes.Status409Conflict, $"approval {approval.Spec.Identifier} {reason}: it takes no more votes");
        return true;
    }

    private ImageUpdateSettings? SettingsOf(ApprovalResource approval) =>
        ImageTargets.SettingsOf(store.Snapshot(), ApprovalRequests.TargetKind(approval), approval.Metadata.Namespace, approval.Spec.Workload);

    private static string? Text(JsonObject body, string key, out string? value)
    {
        value = null;
        if (!body.TryGetPropertyValue(key, out var node) || node is null)
        {
            return null;
        }

        if (node is not JsonValue v || !v.TryGetValue(out string? text))
        {
            return $"{key}: must be a string";
        }

        value = text.Length == 0 ? null : text;
        return null;
    }
}
