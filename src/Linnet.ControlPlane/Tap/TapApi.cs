using System.Globalization;
using System.Text.Json.Nodes;
using Linnet.Api.Tap;
using Linnet.Api.Tap.V1;
using Linnet.Api.Validation;
using Linnet.ControlPlane.Api;
using Linnet.ControlPlane.Core.Manifests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Tap;

/// <summary><c>GET /api/v1/tap</c>: a live stream of the requests that the target's proxies see, as
/// newline-delimited JSON, until the client goes away. The first line (<c>"type":"started"</c>) comes once
/// every covered proxy has put the tap in effect, so what follows it is complete for the filter; then one
/// <c>"type":"event"</c> line per request, and an <c>"type":"attached"</c> line whenever a proxy puts the tap in
/// effect (a proxy that attaches later is tapped from that line on). Admin-only like every API call (the fallback policy); a bad
/// parameter is a 400 naming it.</summary>
internal sealed partial class TapApi(TapBroker broker, ControlPlaneOptions options, ILogger<TapApi> logger)
{
    /// <summary>How long the API waits for the proxies' acknowledgements before reporting the tap started anyway
    /// (the started line lists which proxies had not answered).</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(5);

    public const string ContentType = "application/x-ndjson; charset=utf-8";

    public static void Map(RouteGroupBuilder group, TapApi api) => group.MapGet("/tap", api.TapAsync);

    public async Task TapAsync(HttpContext context)
    {
        if (!TryParse(context.Request.Query, out var target, out var start, out var error))
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }

        foreach (var name in options.TapSecretHeaders)
        {
            start.SecretHeaders.Add(name);
        }

        if (start.RevealSecretHeaders)
        {
            // Who asked is the admin (the only role); the values themselves are never logged.
            Log.Revealing(logger, target.ToString());
        }

        var session = broker.Open(target, start);
        var ct = context.RequestAborted;
        try
        {
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                wait.CancelAfter(StartTimeout);
                try
                {
                    await session.WhenStartedAsync(wait.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // Report what is in effect; the started line says which proxies did not answer.
                }
            }

            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = ContentType;
            context.Response.Headers.CacheControl = "no-store";
            var proxies = new JsonArray();
            var pending = new JsonArray();
            foreach (var (proxy, started) in session.Proxies)
            {
                (started ? proxies : pending).Add(proxy);
            }

            await WriteLineAsync(context, new JsonObject
            {
                ["type"] = "started",
                ["tap"] = session.Id,
                ["target"] = target.ToString(),
                ["maxRps"] = start.MaxRps,
                ["proxies"] = proxies,
                ["pending"] = pending,
            }, ct);
            await foreach (var (proxy, e) in session.Events.ReadAllAsync(ct))
            {
                // A null event: the tap is in effect on that proxy (also for proxies that attach later).
                await WriteLineAsync(context, e is null ? new JsonObject { ["type"] = "attached", ["proxy"] = proxy } : TapJson.Event(proxy, e), ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client stopped tapping.
        }
        finally
        {
            broker.Close(session);
        }
    }

    private static async Task WriteLineAsync(HttpContext context, JsonNode line, CancellationToken ct)
    {
        await context.Response.WriteAsync(line.ToJsonString() + "\n", ct);
        await context.Response.Body.FlushAsync(ct);
    }

    internal static bool TryParse(IQueryCollection q, out TapTarget target, out TapStart start, out string error)
    {
        target = new TapTarget("default", null, null);
        start = new TapStart { MaxRps = TapDefaults.MaxRps, Match = new TapMatch() };
        error = "";
        var ns = q.ContainsKey("namespace") ? q["namespace"].ToString() : "default";
        if (!ManifestParser.IsDnsLabel(ns))
        {
            error = $"namespace: '{Shorten(ns)}' is not a DNS label (lower-case letters, digits, '-')";
            return false;
        }

        var resource = q["resource"].ToString();
        var name = q["name"].ToString();
        switch (resource)
        {
            case "namespace" or "namespaces" or "ns":
                if (name.Length > 0 && name != ns)
                {
                    ns = name;
                    if (!ManifestParser.IsDnsLabel(ns))
                    {
                        error = $"name: '{Shorten(name)}' is not a namespace";
                        return false;
                    }
                }

                target = new TapTarget(ns, null, null);
                break;
            case "workload" or "workloads" or "wl" or "deploy" or "deployment" or "deployments"
                or "instance" or "instances" or "pod" or "pods" or "po":
                if (!ManifestParser.IsDnsLabel(name))
                {
                    error = name.Length == 0 ? $"name: tapping a {resource} needs its name" : $"name: '{Shorten(name)}' is not a DNS label";
                    return false;
                }

                target = resource is "instance" or "instances" or "pod" or "pods" or "po" ? new TapTarget(ns, null, name) : new TapTarget(ns, name, null);
                break;
            default:
                error = $"resource: '{Shorten(resource)}' is not one of namespace, workload (deploy), instance (pod)";
                return false;
        }

        var match = start.Match;
        var method = q["method"].ToString();
        if (method.Length > 0 && !HttpSyntax.IsToken(method))
        {
            error = $"method: '{Shorten(method)}' is not an HTTP method";
            return false;
        }

        match.Method = method;
        var authority = q["authority"].ToString();
        if (authority.Length > 0 && (authority.Length > 261 || !authority.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']')))
        {
            error = $"authority: '{Shorten(authority)}' is not a host or host:port";
            return false;
        }

        match.Authority = authority;
        var path = q["path"].ToString();
        if (path.Length > 0 && (path[0] != '/' || path.Length > 1024 || path.Any(c => c is <= ' ' or >= (char)0x7F)))
        {
            error = $"path: '{Shorten(path)}' is not a path prefix (starts with '/', visible ASCII)";
            return false;
        }

        match.PathPrefix = path;
        var to = q["to"].ToString();
        var toNamespace = q["toNamespace"].ToString();
        if (to.Length > 0)
        {
            var parts = to.Split('/');
            if (parts.Length > 2 || !parts.All(ManifestParser.IsDnsLabel))
            {
                error = $"to: '{Shorten(to)}' is not a workload (name or namespace/name)";
                return false;
            }

            match.ToWorkload = parts[^1];
            match.ToNamespace = parts.Length == 2 ? parts[0] : toNamespace.Length > 0 ? toNamespace : ns;
        }
        else if (toNamespace.Length > 0)
        {
            match.ToNamespace = toNamespace;
        }

        if (match.ToNamespace.Length > 0 && !ManifestParser.IsDnsLabel(match.ToNamespace))
        {
            error = $"toNamespace: '{Shorten(match.ToNamespace)}' is not a DNS label";
            return false;
        }

        if (q.ContainsKey("maxRps"))
        {
            var text = q["maxRps"].ToString();
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var rps) || !(rps > 0) || rps > TapDefaults.MaxRpsLimit)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"maxRps: '{Shorten(text)}' is not a number above 0 and at most {TapDefaults.MaxRpsLimit}");
                return false;
            }

            start.MaxRps = rps;
        }

        if (q.ContainsKey("reveal"))
        {
            var text = q["reveal"].ToString();
            if (!bool.TryParse(text, out var reveal))
            {
                error = $"reveal: '{Shorten(text)}' is not true or false";
                return false;
            }

            start.RevealSecretHeaders = reveal;
        }

        var known = new HashSet<string>(["namespace", "resource", "name", "method", "authority", "path", "to", "toNamespace", "maxRps", "reveal"], StringComparer.Ordinal);
        if (q.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            error = $"{Shorten(unknown)}: not a tap parameter (namespace, resource, name, method, authority, path, to, toNamespace, maxRps, reveal)";
            return false;
        }

        return true;
    }

    private static string Shorten(string text) => new(text.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "tap on {Target} reveals secret headers (asked for by the admin)")]
        public static partial void Revealing(ILogger logger, string target);
    }
}
