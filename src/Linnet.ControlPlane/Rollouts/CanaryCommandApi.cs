using System.Globalization;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Api;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;
using Linnet.ControlPlane.Core.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Rollouts;

/// <summary>Manual control of a canary: <c>POST /api/v1/canaries/{namespace}/{name}/{action}</c> (promote,
/// abort, pause, resume, rollback). The command is checked against the canary as it stands (409 with the reason
/// when it does not apply) and recorded on its status with the caller's identity and the time; the canary
/// controller applies it at its next tick (not its next interval), as one step of the state machine, so it is
/// as durable as any step. The answer is 202 with the recorded command. On a cluster the command is written to the
/// Canary's status on the API server (its status subresource, conditional on its resourceVersion) by the replica holding
/// the lease; another replica answers 503 with nothing done.</summary>
internal sealed partial class CanaryCommandApi(IResourceStore store, TimeProvider time, ILogger<CanaryCommandApi> logger, ICanaryClusterWriter? cluster = null)
{
    // A step of the controller may commit between our read and our write; a few tries absorb that.
    private const int Attempts = 5;

    public static void Map(RouteGroupBuilder api, CanaryCommandApi commands) =>
        api.MapPost("/canaries/{namespace}/{name}/{action}", commands.PostAsync).RequireAuthorization(Security.ApiAuthentication.AdminPolicy);

    public async Task PostAsync(HttpContext context)
    {
        var values = context.Request.RouteValues;
        var key = new ResourceKey(CanaryResource.KindName, values["namespace"] as string ?? "", values["name"] as string ?? "");
        var action = values["action"] as string ?? "";
        if (!CanaryCommands.All.Contains(action, StringComparer.Ordinal))
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, $"'{action}' is not a canary command (one of: {string.Join(", ", CanaryCommands.All)})");
            return;
        }

        if (cluster is { CanWrite: false })
        {
            context.Response.Headers.RetryAfter = "5";
            await ApiResponses.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, $"{key}: only the control plane replica holding the leader lease writes a Canary's status on the cluster; this one does not, so nothing was done: send it again");
            return;
        }

        // The authentication handler names the caller; the API has no anonymous callers.
        var by = context.User.Identity?.Name ?? "unknown";
        for (var attempt = 1; ; attempt++)
        {
            if (store.Find(key) is not CanaryResource canary)
            {
                await ApiResponses.ErrorAsync(context, StatusCodes.Status404NotFound, $"{key} not found");
                return;
            }

            var refusal = canary.Status.Command is { Outcome: CanaryCommands.Pending } pending
                ? $"a {pending.Action} by {pending.By} is not applied yet; try again in a moment"
                : CanaryCommands.Refusal(canary, action);
            if (refusal is not null)
            {
                await ApiResponses.ErrorAsync(context, StatusCodes.Status409Conflict, $"{key}: {refusal}");
                return;
            }

            var command = new CanaryCommand(action, by, time.GetUtcNow(), CanaryCommands.Pending, "");
            var status = canary.Status with
            {
                Command = command,
                Events = canary.Status.Events.Append(new CanaryEvent(command.At, "Normal", $"{action} requested by {by}")).TakeLast(CanaryStatus.MaxEvents).ToList(),
            };
            try
            {
                // On a cluster the store is the mirror: the status goes to the API server, and comes back through the watch.
                long revision;
                if (cluster is not null)
                {
                    await cluster.WriteAsync(canary, new CanaryStep(status, []), context.RequestAborted);
                    revision = store.Revision;
                }
                else
                {
                    revision = (await store.CommitAsync([new PutChange(canary with { Status = status }) { ExpectedVersion = canary.Metadata.ResourceVersion }], context.RequestAborted)).Revision;
                }

                Log.Recorded(logger, action, key.ToString(), by, revision);
                await ApiResponses.JsonAsync(context, StatusCodes.Status202Accepted, new JsonObject
                {
                    ["kind"] = key.Kind,
                    ["namespace"] = key.Namespace,
                    ["name"] = key.Name,
                    ["revision"] = revision,
                    ["command"] = new JsonObject
                    {
                        ["action"] = action,
                        ["by"] = by,
                        ["at"] = command.At.ToString("O", CultureInfo.InvariantCulture),
                        ["outcome"] = command.Outcome,
                    },
                });
                return;
            }
            catch (ConflictException) when (attempt < Attempts)
            {
                // The controller stepped in between: read again and check again.
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "canary command {Action} on {Canary} by {By} recorded at revision {Revision}")]
        public static partial void Recorded(ILogger logger, string action, string canary, string by, long revision);
    }
}
