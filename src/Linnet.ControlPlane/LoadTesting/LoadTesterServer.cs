using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Rollouts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.LoadTesting;

/// <summary>Linnet's load tester, speaking flagger-loadtester's API (pkg/loadtester/server.go), so Canaries that
/// point at one work unchanged: <c>POST /</c> with Flagger's webhook payload runs <c>metadata.cmd</c> (a <c>hey</c>
/// command, in process, in the background: 202), and the gates <c>/gate/check|open|close|approve|halt</c> and
/// <c>/rollback/check|open|close</c>. Checks answer 200 (open) or 403 (closed) to anyone; calls with side effects
/// (<c>POST /</c>, opening and closing gates) must be signed by the control plane (<see cref="WebhookSignature"/>:
/// <c>es256</c> with its public key, each signature accepted once; or <c>v1</c> when only the shared key is given)
/// or carry the shared key as a bearer token (an operator on the host): 401 otherwise.</summary>
public static partial class LoadTesterServer
{
    private const int MaxBody = 64 * 1024;

    /// <summary>The load tester as a web application on <see cref="LoadTesterOptions.Listen"/>.</summary>
    public static WebApplication Create(LoadTesterOptions options, Action<ILoggingBuilder>? logging = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        if (logging is not null)
        {
            logging(builder.Logging);
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(options.Listen);
            k.Limits.MaxRequestBodySize = MaxBody;
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<GateStore>();
        builder.Services.AddSingleton<WebhookReplayGuard>();

        // The default handler honours HTTP_PROXY: run as a Workload, load goes through the instance's proxy,
        // which routes http://podinfo-canary.test:9898/ by name.
        builder.Services.AddSingleton(sp => new HeyRunner(new HttpClient(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new LoadTaskRunner(sp.GetRequiredService<HeyRunner>(), options.TaskTimeout, sp.GetRequiredService<ILogger<LoadTaskRunner>>()));
        var app = builder.Build();
        var gates = app.Services.GetRequiredService<GateStore>();
        var time = app.Services.GetRequiredService<TimeProvider>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Linnet.LoadTester");

        app.MapGet("/healthz", () => Results.Text("OK"));
        app.MapPost("/gate/approve", () => Results.Text("OK"));
        app.MapPost("/gate/halt", () => Results.Text("Forbidden", statusCode: StatusCodes.Status403Forbidden));
        MapGate(app, "/gate/check", GateAction.Check, c => c);
        MapGate(app, "/gate/open", GateAction.Open, c => c);
        MapGate(app, "/gate/close", GateAction.Close, c => c);
        MapGate(app, "/rollback/check", GateAction.Check, c => "rollback." + c);
        MapGate(app, "/rollback/open", GateAction.Open, c => "rollback." + c);
        MapGate(app, "/rollback/close", GateAction.Close, c => "rollback." + c);
        app.MapPost("/", async (HttpContext context) =>
        {
            var (payload, refusal) = await ReadAsync(context, options, time, sideEffect: true);
            if (refusal is not null)
            {
                return refusal;
            }

            if (payload!["metadata"] is not JsonObject metadata || metadata.Count == 0)
            {
                return Results.Text("metadata not found in payload", statusCode: StatusCodes.Status400BadRequest);
            }

            var type = Text(metadata, "type") ?? "cmd";
            if (type != "cmd")
            {
                return Results.Text(type switch
                {
                    "bash" => "task type bash is refused: Linnet's load tester runs no shell (a webhook's metadata would run any command on the host); use type cmd with a hey command",
                    "helm" or "helmv3" or "kubectl" => $"task type {type} is refused: there is no Kubernetes API in universal mode; run it from your pipeline instead",
                    "concord" or "ngrinder" => $"task type {type} is refused: Linnet's load tester runs hey load tests only",
                    _ => $"unknown task type {type}",
                }, statusCode: StatusCodes.Status400BadRequest);
            }

            if (Text(metadata, "cmd") is not { } cmd)
            {
                return Results.Text("cmd not found in metadata", statusCode: StatusCodes.Status400BadRequest);
            }

            var (load, error) = HeyCommand.Parse(cmd);
            if (load is null)
            {
                return Results.Text($"cmd refused: {error}", statusCode: StatusCodes.Status400BadRequest);
            }

            var logResult = bool.TryParse(Text(metadata, "logCmdOutput"), out var log) && log;
            context.RequestServices.GetRequiredService<LoadTaskRunner>().Start(CanaryName(payload), cmd, load, logResult);
            return Results.StatusCode(StatusCodes.Status202Accepted);
        });

        void MapGate(WebApplication web, string path, GateAction action, Func<string, string> key) =>
            web.MapPost(path, async (HttpContext context) =>
            {
                var (payload, refusal) = await ReadAsync(context, options, time, sideEffect: action != GateAction.Check);
                if (refusal is not null)
                {
                    return refusal;
                }

                var gate = key(CanaryName(payload!));
                switch (action)
                {
                    case GateAction.Open:
                        gates.Open(gate);
                        LogGate(logger, gate, "opened");
                        return Results.StatusCode(StatusCodes.Status202Accepted);
                    case GateAction.Close:
                        gates.Close(gate);
                        LogGate(logger, gate, "closed");
                        return Results.StatusCode(StatusCodes.Status202Accepted);
                    default:
                        return gates.IsOpen(gate) ? Results.Text("Approved") : Results.Text("Forbidden", statusCode: StatusCodes.Status403Forbidden);
                }
            });

        return app;
    }

    private enum GateAction
    {
        Check,
        Open,
        Close,
    }

    [LoggerMessage(1, LogLevel.Information, "{Gate} gate {Action}")]
    private static partial void LogGate(ILogger logger, string gate, string action);

    private static string CanaryName(JsonObject payload) => $"{Text(payload, "name")}.{Text(payload, "namespace")}";

    private static string? Text(JsonObject json, string key) => json[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    // Flagger's payload (name and namespace required, DNS labels), the namespace filter, and for side effects the
    // signature or the bearer key.
    private static async Task<(JsonObject? Payload, IResult? Refusal)> ReadAsync(HttpContext context, LoadTesterOptions options, TimeProvider time, bool sideEffect)
    {
        using var buffer = new MemoryStream();
        try
        {
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            return (null, Results.Text($"the body is larger than {MaxBody} bytes", statusCode: StatusCodes.Status413PayloadTooLarge));
        }

        var body = buffer.ToArray();
        if (sideEffect && Unauthorized(context, options, body, time) is { } reason)
        {
            return (null, Results.Text($"unauthorized: {reason}", statusCode: StatusCodes.Status401Unauthorized));
        }

        JsonObject? payload;
        try
        {
            payload = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            payload = null;
        }

        if (payload is null || Text(payload, "name") is not { Length: > 0 and <= 253 } || Text(payload, "namespace") is not { Length: > 0 and <= 63 } ns
            || (payload["metadata"] is { } m && (m is not JsonObject metadata || metadata.Any(kv => kv.Value is not JsonValue))))
        {
            return (null, Results.Text("the body is not Flagger's webhook payload (a JSON object with name, namespace and string metadata)", statusCode: StatusCodes.Status400BadRequest));
        }

        if (options.Namespaces is { } allowed && !allowed.IsMatch(ns))
        {
            return (null, Results.Text("Forbidden", statusCode: StatusCodes.Status403Forbidden));
        }

        return (payload, null);
    }

    // Null when the call may have side effects, else why not (no secret in it).
    private static string? Unauthorized(HttpContext context, LoadTesterOptions options, byte[] body, TimeProvider time)
    {
        if (options.SigningKey is { } shared && BearerMatches(context, shared))
        {
            return null;
        }

        var header = context.Request.Headers[WebhookSignature.Header].ToString() is { Length: > 0 } h ? h : null;
        var now = time.GetUtcNow();
        if (options.PublicKey is { } publicKey)
        {
            var request = new WebhookRequestLine(context.Request.Method, context.Request.Host.Value ?? "", Microsoft.AspNetCore.Http.Extensions.UriHelper.GetEncodedPathAndQuery(context.Request));
            var check = WebhookSignature.VerifyRequest(publicKey, request, body, header, now);
            if (!check.Valid)
            {
                return check.Reason;
            }

            return context.RequestServices.GetRequiredService<WebhookReplayGuard>().TryAccept(check.Nonce!, check.SignedAt, now)
                ? null
                : "this signed call was received before (a replay)";
        }

        if (options.SigningKey is { } key && WebhookSignature.Verify(key, body, header, now))
        {
            return null;
        }

        return "sign the request as the control plane does (X-Linnet-Signature) or send the shared signing key as a bearer token";
    }

    private static bool BearerMatches(HttpContext context, byte[] key)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return false;
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization["Bearer ".Length..].Trim()));
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(Convert.ToHexStringLower(key)));
        return CryptographicOperations.FixedTimeEquals(presented, expected);
    }
}
