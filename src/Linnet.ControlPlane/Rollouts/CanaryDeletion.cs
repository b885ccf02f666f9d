using System.Text.Json.Nodes;
using Linnet.ControlPlane.Api;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Rollouts;

/// <summary>Flagger's finalizer in universal mode: <c>DELETE</c> of a Canary with <c>revertOnDeletion: true</c> does
/// not remove it at once but marks it <c>Terminating</c> (202, recorded with who and when); the canary controller then
/// gives the target its traffic back and removes the Canary and its objects
/// (<see cref="Core.Rollouts.CanaryStateMachine"/>). A second delete of a terminating Canary removes it outright, as
/// removing Flagger's finalizer by hand does (for a target that can never be ready).</summary>
internal sealed partial class CanaryDeletion(IResourceStore store, TimeProvider time, ILogger<CanaryDeletion> logger)
{
    private const int Attempts = 5;

    /// <summary>Answers the request and returns true when the deletion is deferred; false: delete as any resource.</summary>
    public async Task<bool> TryDeferAsync(HttpContext context, ResourceKey key)
    {
        var by = context.User.Identity?.Name ?? "unknown";
        for (var attempt = 1; ; attempt++)
        {
            if (store.Find(key) is not CanaryResource { Spec.RevertOnDeletion: true } canary
                || canary.Status.Phase is CanaryPhases.Terminating or CanaryPhases.Terminated)
            {
                return false;
            }

            var now = time.GetUtcNow();
            var message = $"Terminating canary {key.Name}.{key.Namespace} (deleted by {by}, revertOnDeletion): {canary.Spec.TargetName} takes the traffic back once ready, then the canary and its objects are removed";
            var status = canary.Status with
            {
                Phase = CanaryPhases.Terminating,
                LastTransitionTime = now,
                Paused = false,
                Events = canary.Status.Events.Append(new CanaryEvent(now, "Normal", message)).TakeLast(CanaryStatus.MaxEvents).ToList(),
            };
            try
            {
                var committed = await store.CommitAsync([new PutChange(canary with { Status = status }) { ExpectedVersion = canary.Metadata.ResourceVersion }], context.RequestAborted);
                Log.Terminating(logger, key.ToString(), by, committed.Revision);
                await ApiResponses.JsonAsync(context, StatusCodes.Status202Accepted, new JsonObject
                {
                    ["revision"] = committed.Revision,
                    ["kind"] = key.Kind,
                    ["namespace"] = key.Namespace,
                    ["name"] = key.Name,
                    ["action"] = "terminating",
                    ["message"] = message,
                });
                return true;
            }
            catch (ConflictException) when (attempt < Attempts)
            {
                // The controller stepped in between: read again.
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "canary {Canary} deleted by {By} with revertOnDeletion: terminating (revision {Revision})")]
        public static partial void Terminating(ILogger logger, string canary, string by, long revision);
    }
}
