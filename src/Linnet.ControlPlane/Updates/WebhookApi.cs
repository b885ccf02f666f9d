using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Api;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Updates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Linnet.ControlPlane.Updates;

/// <summary>Keel's webhook triggers at Keel's paths, <c>POST /v1/webhooks/{native,dockerhub,quay,registry,harbor,azure,github,jfrog}</c>: a
/// pushed tag updates every Workload, and every monitored container of a Deployment on a cluster, whose image is that
/// repository and whose <c>keel.sh/policy</c> accepts it (<see cref="ImageTargets"/>); a target that changed meanwhile
/// is planned again (up to three times, then 409).
/// Every request must carry the configured Basic credentials (webhooks are off without them), or, for GitHub with
/// its secret configured, GitHub's signature of the body; every payload is
/// validated first, so a malformed one gets 400 and changes nothing.</summary>
internal sealed class WebhookApi(IResourceStore store, ControlPlaneOptions options, ImageUpdateApplier applier)
{
    private const int MaxBody = 1 << 20;

    // Plans of one push tried at most this many times when a target changes under them.
    private const int MaxAttempts = 3;

    // The webhooks authenticate registries themselves (Basic, WebhookCredentials): they opt out of the admin
    // credential the rest of the API requires, as a registry cannot hold it.
    public static void Map(IEndpointRouteBuilder endpoints, WebhookApi api) => endpoints.MapPost("/v1/webhooks/{kind}", api.HandleAsync).AllowAnonymous();

    public async Task HandleAsync(HttpContext context, string kind)
    {
        // GitHub signs its deliveries: with its secret configured, the signature (checked once the body is read)
        // authenticates the github webhook instead of Basic credentials.
        var signed = kind == "github" ? options.GitHubWebhookSecret : null;
        if (signed is null && options.WebhookCredentials is null)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status403Forbidden, "webhooks are off: start the control plane with webhook credentials");
            return;
        }

        if (signed is null && !Authenticated(context.Request, options.WebhookCredentials!))
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"linnet-webhooks\"";
            await ApiResponses.ErrorAsync(context, StatusCodes.Status401Unauthorized, "webhook credentials missing or wrong");
            return;
        }

        if (!KeelWebhookPayloads.Kinds.Contains(kind))
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status404NotFound, $"no webhook '{kind}' (served: {string.Join(", ", KeelWebhookPayloads.Kinds)})");
            return;
        }

        // Docker distribution sends its notifications as application/vnd.docker.distribution.events.v1+json.
        if (context.Request.ContentType is not { } type || !(type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || (kind == "registry" && type.StartsWith("application/vnd.docker.distribution.events.v1+json", StringComparison.OrdinalIgnoreCase))))
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status415UnsupportedMediaType, "the payload must be application/json" + (kind == "registry" ? " or application/vnd.docker.distribution.events.v1+json" : ""));
            return;
        }

        var body = await ReadAsync(context);
        if (body is null)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status413PayloadTooLarge, $"the payload is over {MaxBody} bytes");
            return;
        }

        if (signed is not null && !signed.Verify(body, context.Request.Headers[GitHubWebhookSecret.Header].Count == 1 ? context.Request.Headers[GitHubWebhookSecret.Header][0] : null))
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status401Unauthorized, $"the delivery's {GitHubWebhookSecret.Header} is missing or is not the HMAC-SHA256 of its body with the configured secret");
            return;
        }

        if (!KeelWebhookPayloads.TryParse(kind, body, out var events, out var error, context.Request.Headers["X-GitHub-Event"].ToString() is { Length: > 0 } github ? github : null, options.JfrogRegistry))
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, $"{kind} webhook: {error}");
            return;
        }

        var updated = new JsonArray();
        var approvals = new JsonArray();
        foreach (var push in events)
        {
            IReadOnlyList<ImageUpdate> applied = [];
            for (var attempt = 1; ; attempt++)
            {
                var snapshot = store.Snapshot();
                var plan = ImageUpdatePlanner.Plan(ImageTargets.Of(snapshot), push, snapshot.OfKind<ReleaseVerdictResource>());
                try
                {
                    (applied, var requested) = await applier.ApplyAsync(plan, $"{kind} webhook", context.RequestAborted);
                    foreach (var approval in requested)
                    {
                        approvals.Add(new JsonObject { ["kind"] = ApprovalRequests.TargetKind(approval), ["workload"] = $"{approval.Metadata.Namespace}/{approval.Spec.Workload}", ["image"] = approval.Spec.NewImage, ["id"] = approval.Metadata.Name, ["identifier"] = approval.Spec.Identifier });
                    }

                    break;
                }
                catch (NotLeaderException ex)
                {
                    // Only the replica holding the leader lease writes Deployments. Answering 200 with nothing done
                    // would lose the push; 503 says so, and a sender that retries (Docker distribution's notifications
                    // do) reaches a replica that can.
                    context.Response.Headers.RetryAfter = "5";
                    await ApiResponses.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, ex.Message);
                    return;
                }
                catch (ConflictException ex)
                {
                    // A target changed between the snapshot and the write: plan again from what the store holds now
                    // (for a Deployment, the cluster's change once the watch has brought it); still changing, the
                    // sender retries.
                    if (attempt < MaxAttempts && await ChangedAsync(snapshot.Revision, context.RequestAborted))
                    {
                        continue;
                    }

                    await ApiResponses.ErrorAsync(context, StatusCodes.Status409Conflict, ex.Message);
                    return;
                }
            }

            foreach (var update in applied)
            {
                updated.Add(new JsonObject { ["kind"] = update.Target.Kind, ["workload"] = update.Target.Id, ["container"] = update.Target.Container, ["image"] = update.Image });
            }
        }

        await ApiResponses.JsonAsync(context, StatusCodes.Status200OK, new JsonObject { ["updated"] = updated, ["approvals"] = approvals });
    }

    // Whether the store moves past revision within a few seconds (the change that caused a conflict arriving).
    private async Task<bool> ChangedAsync(long revision, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await foreach (var _ in store.WatchAsync(revision, deadline.Token))
            {
                return true;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        return false;
    }

    private static bool Authenticated(HttpRequest request, WebhookCredentials expected)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        byte[] decoded;
        try
        {
            decoded = Convert.FromBase64String(header[6..].Trim());
        }
        catch (FormatException)
        {
            return false;
        }

        var want = Encoding.UTF8.GetBytes(expected.User + ":" + expected.Password);
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(decoded), SHA256.HashData(want));
    }

    private static async Task<byte[]?> ReadAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBody)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
