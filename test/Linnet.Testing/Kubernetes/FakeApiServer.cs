using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Linnet.Testing.Kubernetes;

/// <summary>An in-process fake of the Kubernetes API server on loopback (plain HTTP, a bearer token), speaking
/// the REST shapes KubernetesClient uses, with the semantics of the API concepts documentation: one
/// resourceVersion counter for every write; list answers carry the list's resourceVersion; watch (<c>?watch=1</c>)
/// streams newline-delimited ADDED/MODIFIED/DELETED/BOOKMARK events after a resourceVersion (ADDED for every
/// object first when none is given) and answers an ERROR event with a 410 <c>Expired</c> Status when that
/// resourceVersion is older than the retained history (<see cref="Compact"/>); create/get/update/delete; merge
/// and JSON patches; the <c>status</c> subresource (a write there changes only status, a write to the object never
/// status); optimistic concurrency (409 on a stale resourceVersion); generation bumped on spec changes; finalizers.
/// Not served (refused with 400/415 rather than ignored): label and field selectors, <c>limit</c>/<c>continue</c>,
/// strategic merge and apply patches, <c>resourceVersionMatch=Exact</c> at an older version. TokenReviews
/// (authentication.k8s.io/v1) of the tokens it issued (<see cref="IssueServiceAccountToken"/>).</summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions OneLine = new() { WriteIndented = false };

    private readonly Lock _lock = new();
    private readonly List<FakeResourceType> _types = [];
    private readonly Dictionary<(FakeResourceType Type, string Namespace, string Name), JsonObject> _objects = [];
    private readonly List<(long Revision, FakeResourceType Type, string EventType, JsonObject Object)> _history = [];
    private readonly List<Watcher> _watchers = [];
    private readonly List<FakeRequest> _requests = [];
    private readonly Dictionary<string, IssuedToken> _tokens = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private WebApplication? _app;
    // A real API server's revision (etcd's) is never 0, even with no object of a type: "0" in a list or watch request
    // means "any version" (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions), so a list of
    // an empty type answered with "0" would make a client's watch from it replay existing objects, unordered, instead of
    // the changes after the list.
    private long _revision = 1;
    private long _compacted;

    private FakeApiServer(IEnumerable<FakeResourceType> types, TimeProvider time)
    {
        _types.AddRange(types);
        _time = time;
        Token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
    }

    /// <summary>Where it listens: <c>http://127.0.0.1:port</c>.</summary>
    public Uri BaseUri { get; private set; } = null!;

    /// <summary>The bearer token every request must carry.</summary>
    public string Token { get; }

    /// <summary>The resourceVersion of the last write.</summary>
    public long ResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _revision;
            }
        }
    }

    /// <summary>Every request answered so far, in order.</summary>
    public IReadOnlyList<FakeRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>How many watch streams are open now.</summary>
    public int OpenWatches
    {
        get
        {
            lock (_lock)
            {
                return _watchers.Count;
            }
        }
    }

    /// <summary>Starts a fake serving pods, services, namespaces, endpointslices, leases, deployments and
    /// <paramref name="types"/>.</summary>
    public static async Task<FakeApiServer> StartAsync(IEnumerable<FakeResourceType>? types = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var builtIn = new[] { FakeResourceType.Pods, FakeResourceType.Services, FakeResourceType.Namespaces, FakeResourceType.EndpointSlices, FakeResourceType.Leases, FakeResourceType.Deployments };
        var server = new FakeApiServer(builtIn.Concat(types ?? []), time ?? TimeProvider.System);
        var builder = TestWebHost.CreateBuilder(HttpProtocols.Http1);
        var app = builder.Build();
        app.Run(server.HandleAsync);
        var port = await TestWebHost.StartAsync(app, cancellationToken);
        server._app = app;
        server.BaseUri = new Uri($"http://127.0.0.1:{port}");
        return server;
    }

    /// <summary>Serves one more type (a CRD being installed).</summary>
    public void AddType(FakeResourceType type)
    {
        lock (_lock)
        {
            _types.Add(type);
        }
    }

    /// <summary>Forgets the event history up to now, as etcd compaction does: a watch from an older
    /// resourceVersion then gets 410 Gone (<c>Expired</c>).</summary>
    public void Compact()
    {
        lock (_lock)
        {
            _history.Clear();
            _compacted = _revision;
        }
    }

    /// <summary>Ends every open watch stream (the connection ends cleanly, as when the server's watch timeout or a
    /// load balancer cuts it).</summary>
    public void DropWatches()
    {
        lock (_lock)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Events.Writer.TryComplete();
            }
        }
    }

    /// <summary>Ends every open watch with an ERROR event carrying a 410 <c>Expired</c> Status, as the API server does
    /// when a watcher's position has left its watch cache; changes after this reach none of them.</summary>
    public void ExpireWatches()
    {
        lock (_lock)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Expired = true;
                watcher.Events.Writer.TryWrite(new WatchLine("ERROR", ApiStatus.Failure(410, "Expired", "The resourceVersion for the provided watch is too old.")));
                watcher.Events.Writer.TryComplete();
            }
        }
    }

    /// <summary>Sends a BOOKMARK with the current resourceVersion to every watch that allowed bookmarks.</summary>
    public void Bookmark()
    {
        lock (_lock)
        {
            foreach (var watcher in _watchers.Where(w => w.Bookmarks))
            {
                var bookmark = new JsonObject
                {
                    ["kind"] = watcher.Type.Kind,
                    ["apiVersion"] = watcher.Type.ApiVersion,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = Rv(_revision) },
                };
                watcher.Events.Writer.TryWrite(new WatchLine("BOOKMARK", bookmark));
            }
        }
    }

    /// <summary>The audience of a token issued without one: the API server's own (its service-account issuer).</summary>
    public const string ApiServerAudience = "https://kubernetes.default.svc.cluster.local";

    /// <summary>Issues a service-account token, as the kubelet's projected volume obtains one (TokenRequest): it
    /// authenticates as <c>system:serviceaccount:&lt;ns&gt;:&lt;sa&gt;</c> (groups <c>system:serviceaccounts</c>,
    /// <c>system:serviceaccounts:&lt;ns&gt;</c>, <c>system:authenticated</c>) for <paramref name="audiences"/> (the API
    /// server's own when none are given).</summary>
    public string IssueServiceAccountToken(string ns, string serviceAccount, params string[] audiences) =>
        IssueToken($"system:serviceaccount:{ns}:{serviceAccount}", ["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"], audiences);

    /// <summary>Issues a token that authenticates as <paramref name="username"/> (a user's, say, not a service account's).</summary>
    public string IssueToken(string username, IReadOnlyList<string> groups, params string[] audiences)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        lock (_lock)
        {
            _tokens[token] = new IssuedToken(username, Guid.NewGuid().ToString(), [.. groups], audiences.Length == 0 ? [ApiServerAudience] : [.. audiences]);
        }

        return token;
    }

    /// <summary>Makes <paramref name="token"/> authenticate no more (its service account or pod deleted).</summary>
    public void InvalidateToken(string token)
    {
        lock (_lock)
        {
            _tokens.Remove(token);
        }
    }

    /// <summary>The stored object, or null (a copy).</summary>
    public JsonObject? Get(FakeResourceType type, string? ns, string name)
    {
        lock (_lock)
        {
            return _objects.TryGetValue((type, ns ?? "", name), out var o) ? (JsonObject)o.DeepClone() : null;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        DropWatches();
        if (_app is not null)
        {
            await TestWebHost.StopAsync(_app);
        }
    }

    private static string Rv(long revision) => revision.ToString(CultureInfo.InvariantCulture);

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        int status;
        JsonNode? body;
        try
        {
            (status, body) = await AnswerAsync(context);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or JsonException)
        {
            // A bug of the fake, or a body it cannot read: said, not swallowed.
            (status, body) = (500, ApiStatus.Failure(500, "InternalError", ex.Message));
        }

        lock (_lock)
        {
            _requests.Add(new FakeRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "", status, request.Headers.UserAgent.ToString()));
        }

        if (body is null)
        {
            return; // a watch: already written.
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(OneLine), context.RequestAborted);
    }

    private async Task<(int Status, JsonNode? Body)> AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path.Value?.TrimEnd('/') == VersionPath)
        {
            // The default RBAC policy's system:public-info-viewer lets every caller, authenticated or not, read it.
            return request.Method == "GET"
                ? (200, VersionInfo())
                : (405, ApiStatus.Failure(405, "MethodNotAllowed", $"{request.Method} is not allowed on {VersionPath}"));
        }

        if (request.Headers.Authorization.ToString() != $"Bearer {Token}")
        {
            return (401, ApiStatus.Failure(401, "Unauthorized", "Unauthorized"));
        }

        if (request.Path.Value?.TrimEnd('/') == TokenReviewsPath)
        {
            return request.Method == "POST"
                ? await ReadBodyAsync(request) is { } review ? Review(review) : UnsupportedBody()
                : (405, ApiStatus.Failure(405, "MethodNotAllowed", $"{request.Method} is not allowed on {request.Path}: token reviews are only created"));
        }

        if (Route(request.Path.Value ?? "") is not { } route)
        {
            return (404, ApiStatus.Failure(404, "NotFound", "the server could not find the requested resource"));
        }

        foreach (var unsupported in new[] { "labelSelector", "fieldSelector", "limit", "continue" })
        {
            if (!string.IsNullOrEmpty(request.Query[unsupported]))
            {
                return (400, ApiStatus.Failure(400, "BadRequest", $"the fake API server does not serve '{unsupported}'"));
            }
        }

        var (type, ns, name, status) = route;
        switch (request.Method)
        {
            case "GET" when name is null && request.Query["watch"] is var w && (w == "1" || w == "true"):
                return await WatchAsync(context, type, ns);
            case "GET" when name is null:
                return List(type, ns, request.Query["resourceVersion"], request.Query["resourceVersionMatch"]);
            case "GET":
                return Read(type, ns, name, status);
            case "POST" when name is null:
                return await ReadBodyAsync(request) is { } created ? Create(type, ns, created) : UnsupportedBody();
            case "PUT" when name is not null:
                return await ReadBodyAsync(request) is { } replacement ? Update(type, ns, name, status, replacement, patch: null) : UnsupportedBody();
            case "PATCH" when name is not null:
                return await PatchAsync(request, type, ns, name, status);
            case "DELETE" when name is not null && !status:
                return Delete(type, ns, name, await ReadBodyAsync(request));
            default:
                return (405, ApiStatus.Failure(405, "MethodNotAllowed", $"{request.Method} is not allowed on {request.Path}"));
        }
    }

    /// <summary>Where the server's version is read (<c>kubectl version</c>'s source).</summary>
    public const string VersionPath = "/version";

    /// <summary>The version <c>GET /version</c> reports, as a <c>gitVersion</c> (<c>v1.31.2</c>, or with a vendor's
    /// suffix such as <c>v1.30.5-gke.1014001</c>); <c>major</c> and <c>minor</c> are taken from it.</summary>
    public string KubernetesVersion { get; set; } = "v1.31.2";

    // version.Info of k8s.io/apimachinery: major and minor as strings, gitVersion the full semantic version.
    private JsonObject VersionInfo()
    {
        var numbers = KubernetesVersion.TrimStart('v').Split('.', '-', '+');
        return new JsonObject
        {
            ["major"] = numbers.ElementAtOrDefault(0) ?? "",
            ["minor"] = numbers.ElementAtOrDefault(1) ?? "",
            ["gitVersion"] = KubernetesVersion,
            ["gitCommit"] = "0000000000000000000000000000000000000000",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "2024-01-01T00:00:00Z",
            ["goVersion"] = "go1.22.0",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };
    }

    /// <summary>Where TokenReviews (authentication.k8s.io/v1) are created.</summary>
    public const string TokenReviewsPath = "/apis/authentication.k8s.io/v1/tokenreviews";

    // TokenReview as the API documents it: created (201) and answered in one step, never stored. A token the
    // authenticator does not know, or one valid for none of spec.audiences, is authenticated: false with an error;
    // status.audiences is the intersection of spec.audiences (the API server's own when empty) and the token's.
    private (int, JsonNode?) Review(JsonObject review)
    {
        if (review["kind"]?.GetValue<string>() != "TokenReview" || review["apiVersion"]?.GetValue<string>() != "authentication.k8s.io/v1")
        {
            return (400, ApiStatus.Failure(400, "BadRequest", "the body is not a TokenReview of authentication.k8s.io/v1"));
        }

        var spec = review["spec"] as JsonObject;
        if (spec?["token"] is not JsonValue tokenValue || !tokenValue.TryGetValue<string>(out var token) || token.Length == 0)
        {
            return (422, ApiStatus.Failure(422, "Invalid", "spec.token: Required value"));
        }

        var wanted = (spec["audiences"] as JsonArray ?? []).Select(a => a?.GetValue<string>()).OfType<string>().ToList();
        if (wanted.Count == 0)
        {
            wanted = [ApiServerAudience];
        }

        IssuedToken? issued;
        lock (_lock)
        {
            issued = _tokens.GetValueOrDefault(token);
        }

        var status = new JsonObject();
        var common = issued?.Audiences.Intersect(wanted, StringComparer.Ordinal).ToList() ?? [];
        if (issued is null)
        {
            status["authenticated"] = false;
            status["error"] = "[invalid bearer token, token lookup failed]";
        }
        else if (common.Count == 0)
        {
            status["authenticated"] = false;
            status["error"] = "[invalid bearer token, token audiences is invalid]";
        }
        else
        {
            status["authenticated"] = true;
            status["user"] = new JsonObject
            {
                ["username"] = issued.Username,
                ["uid"] = issued.Uid,
                ["groups"] = new JsonArray([.. issued.Groups.Select(g => (JsonNode)JsonValue.Create(g))]),
            };
            status["audiences"] = new JsonArray([.. common.Select(a => (JsonNode)JsonValue.Create(a))]);
        }

        return (201, new JsonObject
        {
            ["kind"] = "TokenReview",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
            ["spec"] = spec.DeepClone(),
            ["status"] = status,
        });
    }

    private sealed record IssuedToken(string Username, string Uid, IReadOnlyList<string> Groups, IReadOnlyList<string> Audiences);

    private static (int, JsonNode?) UnsupportedBody() =>
        (415, ApiStatus.Failure(415, "UnsupportedMediaType", "the body must be a JSON object with Content-Type application/json"));

    private static async Task<JsonObject?> ReadBodyAsync(HttpRequest request, params string[] mediaTypes)
    {
        var accepted = mediaTypes.Length == 0 ? ["application/json"] : mediaTypes;
        var mediaType = request.ContentType?.Split(';')[0].Trim();
        if (request.ContentLength is 0 || (mediaType is null && request.ContentLength is null))
        {
            return null;
        }

        if (mediaType is null || !accepted.Contains(mediaType, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // /api/v1/... or /apis/<group>/<version>/...: [namespaces/<ns>/]<plural>[/<name>[/status]].
    private (FakeResourceType Type, string? Namespace, string? Name, bool Status)? Route(string path)
    {
        var segments = path.Trim('/').Split('/');
        string group, version;
        ArraySegment<string> rest;
        if (segments.Length >= 3 && segments[0] == "api")
        {
            (group, version, rest) = ("", segments[1], segments[2..]);
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], segments[3..]);
        }
        else
        {
            return null;
        }

        string? ns = null;
        if (rest.Count >= 3 && rest[0] == "namespaces" && rest[2] != "status")
        {
            ns = rest[1];
            rest = rest[2..];
        }

        FakeResourceType? type;
        lock (_lock)
        {
            type = _types.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == rest[0]);
        }

        if (type is null || rest.Count > 3 || (rest.Count == 3 && (rest[2] != "status" || !type.HasStatus)) || (ns is not null && !type.Namespaced))
        {
            return null;
        }

        return (type, ns, rest.Count > 1 ? rest[1] : null, rest.Count == 3);
    }

    private (int, JsonNode?) List(FakeResourceType type, string? ns, string? resourceVersion, string? match)
    {
        lock (_lock)
        {
            if (match == "Exact" && resourceVersion != Rv(_revision))
            {
                return long.TryParse(resourceVersion, out var rv) && rv < _compacted
                    ? (410, ApiStatus.Failure(410, "Expired", $"too old resource version: {rv} ({_compacted})"))
                    : (400, ApiStatus.Failure(400, "BadRequest", "the fake API server serves resourceVersionMatch=Exact only at the current resourceVersion"));
            }

            var items = new JsonArray(Select(type, ns).Select(o => (JsonNode)o.DeepClone()).ToArray());
            return (200, new JsonObject
            {
                ["kind"] = type.Kind + "List",
                ["apiVersion"] = type.ApiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = Rv(_revision) },
                ["items"] = items,
            });
        }
    }

    private IEnumerable<JsonObject> Select(FakeResourceType type, string? ns) =>
        _objects.Where(kv => kv.Key.Type == type && (ns is null || kv.Key.Namespace == ns))
            .OrderBy(kv => kv.Key.Namespace, StringComparer.Ordinal).ThenBy(kv => kv.Key.Name, StringComparer.Ordinal)
            .Select(kv => kv.Value);

    private (int, JsonNode?) Read(FakeResourceType type, string? ns, string name, bool status)
    {
        _ = status;
        return Get(type, ns, name) is { } found ? (200, found) : NotFound(type, name);
    }

    private static (int, JsonNode?) NotFound(FakeResourceType type, string name) =>
        (404, ApiStatus.Failure(404, "NotFound", $"{type.Plural}{(type.Group.Length > 0 ? "." + type.Group : "")} \"{name}\" not found", type, name));

    private static (int, JsonNode?) Conflict(FakeResourceType type, string name) =>
        (409, ApiStatus.Failure(409, "Conflict", $"Operation cannot be fulfilled on {type.Plural} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", type, name));

    private (int, JsonNode?) Create(FakeResourceType type, string? ns, JsonObject body)
    {
        if (Identity(type, body) is { } wrong)
        {
            return wrong;
        }

        var metadata = body["metadata"] as JsonObject ?? new JsonObject();
        body["metadata"] = metadata;
        if (metadata["resourceVersion"] is not null)
        {
            return (400, ApiStatus.Failure(400, "BadRequest", "resourceVersion should not be set on objects to be created"));
        }

        if (metadata["name"] is null && metadata["generateName"]?.GetValue<string>() is { } prefix)
        {
            metadata["name"] = prefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()[..5];
        }

        if (metadata["name"]?.GetValue<string>() is not { Length: > 0 } name)
        {
            return (422, ApiStatus.Failure(422, "Invalid", "metadata.name: Required value: name or generateName is required", type));
        }

        var objectNs = metadata["namespace"]?.GetValue<string>();
        if (type.Namespaced)
        {
            if (ns is null || (objectNs is not null && objectNs != ns))
            {
                return (400, ApiStatus.Failure(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request"));
            }

            metadata["namespace"] = ns;
        }

        lock (_lock)
        {
            var key = (type, ns ?? "", name);
            if (_objects.ContainsKey(key))
            {
                return (409, ApiStatus.Failure(409, "AlreadyExists", $"{type.Plural} \"{name}\" already exists", type, name));
            }

            if (type.HasStatus)
            {
                body.Remove("status"); // status is written through the status subresource only
            }

            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = _time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            metadata["generation"] = 1L;
            Commit(type, key, body, "ADDED");
            return (201, body.DeepClone());
        }
    }

    private static (int, JsonNode?)? Identity(FakeResourceType type, JsonObject body)
    {
        var kind = body["kind"]?.GetValue<string>();
        var apiVersion = body["apiVersion"]?.GetValue<string>();
        if ((kind is not null && kind != type.Kind) || (apiVersion is not null && apiVersion != type.ApiVersion))
        {
            return (400, ApiStatus.Failure(400, "BadRequest", $"the object is a {apiVersion}/{kind}, not a {type.ApiVersion}/{type.Kind}"));
        }

        body["kind"] = type.Kind;
        body["apiVersion"] = type.ApiVersion;
        return null;
    }

    private async Task<(int, JsonNode?)> PatchAsync(HttpRequest request, FakeResourceType type, string? ns, string name, bool status)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim();
        JsonNode? patch;
        try
        {
            patch = await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        }
        catch (JsonException ex)
        {
            return (400, ApiStatus.Failure(400, "BadRequest", $"the patch is not JSON: {ex.Message}"));
        }

        return mediaType switch
        {
            "application/merge-patch+json" when patch is JsonObject => Update(type, ns, name, status, null, current => (JsonObject)JsonPatches.Merge(current, patch)!),
            "application/json-patch+json" when patch is JsonArray operations => Update(type, ns, name, status, null, current => (JsonObject)JsonPatches.Apply(current, operations)),
            "application/merge-patch+json" or "application/json-patch+json" => (400, ApiStatus.Failure(400, "BadRequest", "a merge patch is a JSON object, a JSON patch an array")),
            _ => (415, ApiStatus.Failure(415, "UnsupportedMediaType", $"the fake API server applies application/merge-patch+json and application/json-patch+json, not '{mediaType}'")),
        };
    }

    private (int, JsonNode?) Update(FakeResourceType type, string? ns, string name, bool statusOnly, JsonObject? replacement, Func<JsonObject, JsonObject>? patch)
    {
        lock (_lock)
        {
            var key = (type, ns ?? "", name);
            if (!_objects.TryGetValue(key, out var stored))
            {
                return NotFound(type, name);
            }

            JsonObject proposed;
            if (patch is not null)
            {
                try
                {
                    proposed = patch((JsonObject)stored.DeepClone());
                }
                catch (InvalidOperationException ex)
                {
                    return (422, ApiStatus.Failure(422, "Invalid", $"the patch cannot be applied: {ex.Message}", type, name));
                }
            }
            else
            {
                proposed = replacement!;
            }

            if (Identity(type, proposed) is { } wrong)
            {
                return wrong;
            }

            var metadata = proposed["metadata"] as JsonObject ?? new JsonObject();
            if (metadata["name"]?.GetValue<string>() is { } bodyName && bodyName != name)
            {
                return (400, ApiStatus.Failure(400, "BadRequest", "the name of the object does not match the name on the URL"));
            }

            var storedMetadata = (JsonObject)stored["metadata"]!;
            if (metadata["resourceVersion"]?.GetValue<string>() is { } expected && expected != storedMetadata["resourceVersion"]!.GetValue<string>())
            {
                return Conflict(type, name);
            }

            JsonObject next;
            if (statusOnly)
            {
                // The status subresource changes status and nothing else.
                next = (JsonObject)stored.DeepClone();
                next["status"] = proposed["status"]?.DeepClone();
            }
            else
            {
                next = (JsonObject)proposed.DeepClone();
                var nextMetadata = (JsonObject)metadata.DeepClone();
                foreach (var kept in new[] { "uid", "creationTimestamp", "generation", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds" })
                {
                    if (storedMetadata[kept] is { } value)
                    {
                        nextMetadata[kept] = value.DeepClone();
                    }
                    else
                    {
                        nextMetadata.Remove(kept);
                    }
                }

                nextMetadata["name"] = name;
                if (type.Namespaced)
                {
                    nextMetadata["namespace"] = ns;
                }

                next["metadata"] = nextMetadata;
                if (storedMetadata["deletionTimestamp"] is not null
                    && FinalizerNames(next).Except(FinalizerNames(stored), StringComparer.Ordinal).ToList() is { Count: > 0 } added)
                {
                    // "Finalizers": once deletionTimestamp is set, finalizers can be removed but no new ones added.
                    return (422, ApiStatus.Failure(422, "Invalid", $"metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers [{string.Join(", ", added)}]", type, name));
                }

                if (type.HasStatus)
                {
                    next["status"] = stored["status"]?.DeepClone(); // the object's endpoint never writes status
                }

                if (!JsonNode.DeepEquals(Spec(next), Spec(stored)))
                {
                    nextMetadata["generation"] = (storedMetadata["generation"] is { } generation ? long.Parse(generation.ToJsonString(), CultureInfo.InvariantCulture) : 0) + 1;
                }
            }

            if (next["status"] is null)
            {
                next.Remove("status");
            }

            if (JsonNode.DeepEquals(next, stored))
            {
                return (200, stored.DeepClone()); // a no-op write changes no resourceVersion
            }

            if (((JsonObject)next["metadata"]!)["deletionTimestamp"] is not null && Finalizers(next) == 0)
            {
                Remove(type, key, next);
                return (200, next.DeepClone());
            }

            Commit(type, key, next, "MODIFIED");
            return (200, next.DeepClone());
        }
    }

    // Everything but metadata and status: what a generation counts.
    private static JsonObject Spec(JsonObject o)
    {
        var copy = (JsonObject)o.DeepClone();
        copy.Remove("metadata");
        copy.Remove("status");
        return copy;
    }

    private static int Finalizers(JsonObject o) => (o["metadata"]?["finalizers"] as JsonArray)?.Count ?? 0;

    private static IEnumerable<string> FinalizerNames(JsonObject o) =>
        (o["metadata"]?["finalizers"] as JsonArray ?? []).Select(f => f is JsonValue v && v.TryGetValue<string>(out var text) ? text : "");

    private (int, JsonNode?) Delete(FakeResourceType type, string? ns, string name, JsonObject? options)
    {
        lock (_lock)
        {
            var key = (type, ns ?? "", name);
            if (!_objects.TryGetValue(key, out var stored))
            {
                return NotFound(type, name);
            }

            var metadata = (JsonObject)stored["metadata"]!;
            var preconditions = options?["preconditions"];
            if ((preconditions?["resourceVersion"]?.GetValue<string>() is { } rv && rv != metadata["resourceVersion"]!.GetValue<string>())
                || (preconditions?["uid"]?.GetValue<string>() is { } uid && uid != metadata["uid"]!.GetValue<string>()))
            {
                return Conflict(type, name);
            }

            if (Finalizers(stored) > 0)
            {
                // "Finalizers": the object is kept, marked for deletion (deletionTimestamp, deletionGracePeriodSeconds 0, a
                // MODIFIED event), until its controllers remove their finalizers; the answer is 200 with the object as marked
                // (202 only for a cascading delete that asks for it, which the fake does not serve). Deleting it again changes nothing.
                if (metadata["deletionTimestamp"] is null)
                {
                    var marked = (JsonObject)stored.DeepClone();
                    marked["metadata"]!["deletionTimestamp"] = _time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                    marked["metadata"]!["deletionGracePeriodSeconds"] = 0;
                    Commit(type, key, marked, "MODIFIED");
                    return (200, marked.DeepClone());
                }

                return (200, stored.DeepClone());
            }

            var last = (JsonObject)stored.DeepClone();
            Remove(type, key, last);
            return (200, last.DeepClone());
        }
    }

    // Called under the lock: a new resourceVersion, the object stored, the event kept and sent.
    private void Commit(FakeResourceType type, (FakeResourceType, string, string) key, JsonObject obj, string eventType)
    {
        _revision++;
        obj["metadata"]!["resourceVersion"] = Rv(_revision);
        _objects[key] = obj;
        Publish(type, eventType, obj);
    }

    private void Remove(FakeResourceType type, (FakeResourceType, string, string) key, JsonObject last)
    {
        _revision++;
        last["metadata"]!["resourceVersion"] = Rv(_revision);
        _objects.Remove(key);
        Publish(type, "DELETED", last);
    }

    private void Publish(FakeResourceType type, string eventType, JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        _history.Add((_revision, type, eventType, copy));
        var ns = copy["metadata"]?["namespace"]?.GetValue<string>();
        foreach (var watcher in _watchers.Where(w => !w.Expired && w.Type == type && (w.Namespace is null || w.Namespace == ns)))
        {
            watcher.Events.Writer.TryWrite(new WatchLine(eventType, copy));
        }
    }

    private async Task<(int, JsonNode?)> WatchAsync(HttpContext context, FakeResourceType type, string? ns)
    {
        var query = context.Request.Query;
        var from = query["resourceVersion"].ToString();
        var watcher = new Watcher(type, ns, query["allowWatchBookmarks"] == "true" || query["allowWatchBookmarks"] == "1");
        var backlog = new List<WatchLine>();
        lock (_lock)
        {
            if (from is "" or "0")
            {
                // "Start at most recent" / "any": synthetic ADDED events for what exists, then changes.
                backlog.AddRange(Select(type, ns).Select(o => new WatchLine("ADDED", (JsonObject)o.DeepClone())));
            }
            else if (!long.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out var after))
            {
                return (400, ApiStatus.Failure(400, "BadRequest", $"'{from}' is not a resourceVersion"));
            }
            else if (after < _compacted)
            {
                backlog.Add(new WatchLine("ERROR", ApiStatus.Failure(410, "Expired", $"too old resource version: {after} ({_compacted})")));
                watcher.Events.Writer.TryComplete();
            }
            else
            {
                backlog.AddRange(_history.Where(h => h.Revision > after && h.Type == type && (ns is null || h.Object["metadata"]?["namespace"]?.GetValue<string>() == ns))
                    .Select(h => new WatchLine(h.EventType, h.Object)));
            }

            _watchers.Add(watcher);
        }

        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        if (int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        try
        {
            await response.StartAsync(timeout.Token);
            await response.Body.FlushAsync(timeout.Token); // the headers go now: the client's watch has begun
            foreach (var line in backlog)
            {
                await WriteAsync(response, line, timeout.Token);
            }

            await foreach (var line in watcher.Events.Reader.ReadAllAsync(timeout.Token))
            {
                await WriteAsync(response, line, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away or the watch's timeoutSeconds passed: the stream ends.
        }
        finally
        {
            lock (_lock)
            {
                _watchers.Remove(watcher);
            }
        }

        return (200, null);
    }

    private static async Task WriteAsync(HttpResponse response, WatchLine line, CancellationToken cancellationToken)
    {
        var text = new JsonObject { ["type"] = line.Type, ["object"] = line.Object.DeepClone() }.ToJsonString(OneLine) + "\n";
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private sealed record WatchLine(string Type, JsonObject Object);

    private sealed class Watcher(FakeResourceType type, string? ns, bool bookmarks)
    {
        public FakeResourceType Type { get; } = type;

        public string? Namespace { get; } = ns;

        public bool Bookmarks { get; } = bookmarks;

        public bool Expired { get; set; }

        public Channel<WatchLine> Events { get; } = Channel.CreateUnbounded<WatchLine>(new UnboundedChannelOptions { SingleReader = true });
    }
}
