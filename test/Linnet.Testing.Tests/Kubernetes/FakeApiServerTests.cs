using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.Testing.Kubernetes;

namespace Linnet.Testing.Tests.Kubernetes;

/// <summary>The fake API server against the Kubernetes documentation ("Kubernetes API Concepts": efficient
/// detection of changes, resource versions, watch bookmarks, 410 Gone; "Custom resources": the status
/// subresource and metadata.generation; RFC 7386 and RFC 6902 for patches). Expected values come from those
/// texts, spoken to over plain HTTP as any client would.</summary>
public sealed class FakeApiServerTests : IAsyncLifetime
{
    private static readonly FakeResourceType Routes = new("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute", HasStatus: true);
    private FakeApiServer _server = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync([Routes], cancellationToken: TestContext.Current.CancellationToken);
        _http = new HttpClient { BaseAddress = _server.BaseUri };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _server.Token);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonObject Pod(string name, string ns = "default") => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = new JsonObject { ["app"] = "web" } },
        ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "web:1" }) },
    };

    private static JsonObject Route(string name) => new()
    {
        ["apiVersion"] = "gateway.networking.k8s.io/v1",
        ["kind"] = "HTTPRoute",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject { ["parentRefs"] = new JsonArray(new JsonObject { ["name"] = "web" }) },
        ["status"] = new JsonObject { ["parents"] = new JsonArray() },
    };

    private async Task<(HttpStatusCode Code, JsonObject Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null, string mediaType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, mediaType);
        }

        using var response = await _http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, (JsonObject)JsonNode.Parse(text)!);
    }

    private static string Rv(JsonObject o) => o["metadata"]!["resourceVersion"]!.GetValue<string>();

    [Fact]
    public async Task Request_WithoutBearerToken_Is401Status()
    {
        using var anonymous = new HttpClient { BaseAddress = _server.BaseUri };
        using var response = await anonymous.GetAsync("/api/v1/pods", Ct);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal(401, status["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Create_ThenGetAndList_ObjectCarriesResourceVersionAndListCarriesItsOwn()
    {
        var (code, created) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("a"));
        var (_, got) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods/a");
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/other/pods", Pod("b", "other"));
        var (_, all) = await SendAsync(HttpMethod.Get, "/api/v1/pods");
        var (_, inDefault) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods");

        Assert.Equal(HttpStatusCode.Created, code);
        Assert.False(string.IsNullOrEmpty(created["metadata"]!["uid"]?.GetValue<string>()));
        Assert.Equal(Rv(created), Rv(got));
        Assert.Equal("PodList", all["kind"]!.GetValue<string>());
        // The list's resourceVersion is the one at which it was built: the last write.
        Assert.Equal(Rv(all["items"]![1]!.AsObject()), all["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal(["a", "b"], all["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()));
        Assert.Equal(["a"], inDefault["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Create_NameTaken_Is409AlreadyExists()
    {
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("a"));
        var (code, status) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("a"));

        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("AlreadyExists", status["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_Missing_Is404NotFoundStatus()
    {
        var (code, status) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods/nope");

        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("NotFound", status["reason"]!.GetValue<string>());
        Assert.Equal("nope", status["details"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_StaleResourceVersion_Is409ConflictAndNothingChanges()
    {
        var (_, created) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("a"));
        var first = (JsonObject)created.DeepClone();
        first["metadata"]!["labels"]!["app"] = "one";
        var (okCode, updated) = await SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/pods/a", first);
        var stale = (JsonObject)created.DeepClone(); // still carries the first resourceVersion
        stale["metadata"]!["labels"]!["app"] = "two";
        var (code, status) = await SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/pods/a", stale);
        var (_, now) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods/a");

        Assert.Equal(HttpStatusCode.OK, okCode);
        Assert.NotEqual(Rv(created), Rv(updated));
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Conflict", status["reason"]!.GetValue<string>());
        Assert.Equal("one", now["metadata"]!["labels"]!["app"]!.GetValue<string>());
        Assert.Equal(Rv(updated), Rv(now));
    }

    [Fact]
    public async Task Create_WithStatusSubresource_StatusIsDropped()
    {
        var route = Route("r");
        route["status"] = new JsonObject { ["parents"] = new JsonArray(new JsonObject { ["controllerName"] = "x" }) };
        var (_, created) = await SendAsync(HttpMethod.Post, "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes", route);

        Assert.Null(created["status"]);
    }

    [Fact]
    public async Task StatusSubresource_WritesOnlyStatus_AndMainEndpointOnlySpec()
    {
        const string path = "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/r";
        var (_, created) = await SendAsync(HttpMethod.Post, "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes", Route("r"));

        // A status write that also changes spec: only status is taken.
        var statusWrite = (JsonObject)created.DeepClone();
        statusWrite["spec"]!["hostnames"] = new JsonArray("changed.example");
        statusWrite["status"] = new JsonObject { ["parents"] = new JsonArray(new JsonObject { ["controllerName"] = "linnet.io/control-plane" }) };
        var (statusCode, afterStatus) = await SendAsync(HttpMethod.Put, path + "/status", statusWrite);

        // A spec write that also changes status: only spec is taken.
        var specWrite = (JsonObject)afterStatus.DeepClone();
        specWrite["spec"]!["hostnames"] = new JsonArray("web.example");
        specWrite["status"] = new JsonObject { ["parents"] = new JsonArray() };
        var (specCode, afterSpec) = await SendAsync(HttpMethod.Put, path, specWrite);

        Assert.Equal(HttpStatusCode.OK, statusCode);
        Assert.Null(afterStatus["spec"]!["hostnames"]);
        Assert.Equal("linnet.io/control-plane", afterStatus["status"]!["parents"]![0]!["controllerName"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, specCode);
        Assert.Equal("web.example", afterSpec["spec"]!["hostnames"]![0]!.GetValue<string>());
        Assert.Equal("linnet.io/control-plane", afterSpec["status"]!["parents"]![0]!["controllerName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Generation_CountsSpecChanges_NotStatusOrMetadata()
    {
        const string path = "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/r";
        var (_, created) = await SendAsync(HttpMethod.Post, "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes", Route("r"));
        var (_, labelled) = await SendAsync(HttpMethod.Patch, path, new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["x"] = "y" } } }, "application/merge-patch+json");
        var (_, statused) = await SendAsync(HttpMethod.Patch, path + "/status", new JsonObject { ["status"] = new JsonObject { ["parents"] = new JsonArray() } }, "application/merge-patch+json");
        var (_, specced) = await SendAsync(HttpMethod.Patch, path, new JsonObject { ["spec"] = new JsonObject { ["hostnames"] = new JsonArray("a.example") } }, "application/merge-patch+json");

        static long Generation(JsonObject o) => o["metadata"]!["generation"]!.GetValue<long>();
        Assert.Equal(1, Generation(created));
        Assert.Equal(1, Generation(labelled));
        Assert.Equal(1, Generation(statused));
        Assert.Equal(2, Generation(specced));
    }

    [Fact]
    public async Task MergePatch_NullRemovesAndObjectsMerge_AsRfc7386()
    {
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("a"));
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = null, ["tier"] = "front" } } };
        var (code, patched) = await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/pods/a", patch, "application/merge-patch+json");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("""{"tier":"front"}""", patched["metadata"]!["labels"]!.ToJsonString());
        Assert.Equal("a", patched["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task MergePatch_WithResourceVersion_StaleIs409AndNothingChanged_CurrentAppliesAndReplacesAListWhole()
    {
        // The API concepts: a resourceVersion in a patch is a precondition (409 Conflict when the object has moved on);
        // RFC 7386: a merge patch replaces an array whole.
        const string Path = "/apis/apps/v1/namespaces/default/deployments";
        var deployment = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = "web" },
            ["spec"] = new JsonObject
            {
                ["template"] = new JsonObject
                {
                    ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "web", ["image"] = "web:1" }, new JsonObject { ["name"] = "log", ["image"] = "log:1" }) },
                },
            },
        };
        var (_, created) = await SendAsync(HttpMethod.Post, Path, deployment);
        var (_, moved) = await SendAsync(HttpMethod.Patch, Path + "/web", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["x"] = "y" } } }, "application/merge-patch+json");
        JsonObject Patch(string rv) => new()
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = rv },
            ["spec"] = new JsonObject { ["template"] = new JsonObject { ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "web", ["image"] = "web:2" }) } } },
        };

        var (staleCode, status) = await SendAsync(HttpMethod.Patch, Path + "/web", Patch(Rv(created)), "application/merge-patch+json");
        var (_, unchanged) = await SendAsync(HttpMethod.Get, Path + "/web");
        var (code, patched) = await SendAsync(HttpMethod.Patch, Path + "/web", Patch(Rv(moved)), "application/merge-patch+json");

        Assert.Equal(HttpStatusCode.Conflict, staleCode);
        Assert.Equal("Conflict", status["reason"]!.GetValue<string>());
        Assert.Equal(Rv(moved), Rv(unchanged));
        Assert.Equal(2, unchanged["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Count);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.NotEqual(Rv(moved), Rv(patched));
        Assert.Equal("""[{"name":"web","image":"web:2"}]""", patched["spec"]!["template"]!["spec"]!["containers"]!.ToJsonString());
        Assert.Equal("y", patched["metadata"]!["labels"]!["x"]!.GetValue<string>());
    }

    [Fact]
    public async Task JsonPatch_FailingTest_Is422AndNothingApplied()
    {
        var (_, created) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("a"));
        var patch = new JsonArray(
            new JsonObject { ["op"] = "add", ["path"] = "/metadata/labels/tier", ["value"] = "front" },
            new JsonObject { ["op"] = "test", ["path"] = "/metadata/labels/app", ["value"] = "not-web" });
        var (code, _) = await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/pods/a", patch, "application/json-patch+json");
        var good = new JsonArray(
            new JsonObject { ["op"] = "test", ["path"] = "/metadata/labels/app", ["value"] = "web" },
            new JsonObject { ["op"] = "add", ["path"] = "/spec/containers/-", ["value"] = new JsonObject { ["name"] = "side" } },
            new JsonObject { ["op"] = "remove", ["path"] = "/metadata/labels/app" });
        var (goodCode, patched) = await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/pods/a", good, "application/json-patch+json");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal(HttpStatusCode.OK, goodCode);
        Assert.NotEqual(Rv(created), Rv(patched));
        Assert.Equal(["app", "side"], patched["spec"]!["containers"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("{}", patched["metadata"]!["labels"]!.ToJsonString());
    }

    [Fact]
    public async Task Patch_StrategicMerge_Is415NotIgnored()
    {
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("a"));
        var (code, status) = await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/pods/a", new JsonObject(), "application/strategic-merge-patch+json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, code);
        Assert.Equal("UnsupportedMediaType", status["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_NoChange_KeepsResourceVersion()
    {
        var (_, created) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("a"));
        var (_, same) = await SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/pods/a", created);

        Assert.Equal(Rv(created), Rv(same));
        Assert.Equal(long.Parse(Rv(created)), _server.ResourceVersion);
    }

    // Kubernetes API docs, "Finalizers" and "Garbage collection": a DELETE of an object with finalizers marks it
    // (metadata.deletionTimestamp, deletionGracePeriodSeconds 0) and answers 200 with it; it stays readable until an
    // update leaves its finalizers empty, which removes it; no finalizer can be added once it is marked.
    [Fact]
    public async Task Delete_WithFinalizer_200MarkedWithDeletionTimestampAndGraceZero_StillReadable()
    {
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Held("a"));
        var (code, marked) = await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/pods/a");
        var (stillCode, still) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods/a");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.NotNull(marked["metadata"]!["deletionTimestamp"]);
        Assert.Equal(0, marked["metadata"]!["deletionGracePeriodSeconds"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.OK, stillCode);
        Assert.Equal(marked["metadata"]!["deletionTimestamp"]!.GetValue<string>(), still["metadata"]!["deletionTimestamp"]!.GetValue<string>());
        Assert.Equal(["example.com/hold"], still["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
    }

    [Fact]
    public async Task Delete_WithFinalizer_WatchSeesModifiedThenDeletedOnceTheLastFinalizerIsRemoved()
    {
        var (_, created) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Held("a", "example.com/one", "example.com/two"));
        await using var watch = await WatchStream.OpenAsync(_http, $"/api/v1/pods?watch=1&resourceVersion={Rv(created)}", Ct);

        await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/pods/a");
        var (againCode, _) = await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/pods/a");
        // One finalizer removed: still there; the other removed: gone.
        await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/pods/a", new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = new JsonArray("example.com/two") } }, "application/merge-patch+json");
        var (oneLeftCode, _) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods/a");
        var (lastCode, _) = await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/pods/a", new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = new JsonArray() } }, "application/merge-patch+json");
        var (goneCode, _) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods/a");

        Assert.Equal(HttpStatusCode.OK, againCode);
        Assert.Equal(HttpStatusCode.OK, oneLeftCode);
        Assert.Equal(HttpStatusCode.OK, lastCode);
        Assert.Equal(HttpStatusCode.NotFound, goneCode);
        var events = new[] { await watch.NextAsync(Ct), await watch.NextAsync(Ct), await watch.NextAsync(Ct) };
        Assert.Equal(["MODIFIED", "MODIFIED", "DELETED"], events.Select(e => e["type"]!.GetValue<string>()));
        Assert.NotNull(events[0]["object"]!["metadata"]!["deletionTimestamp"]);
        Assert.Empty(events[2]["object"]!["metadata"]!["finalizers"]?.AsArray() ?? []);
    }

    [Fact]
    public async Task Delete_WithoutFinalizers_RemovedAtOnce()
    {
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("a"));
        var (code, last) = await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/pods/a");
        var (goneCode, _) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods/a");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Null(last["metadata"]!["deletionTimestamp"]);
        Assert.Equal(HttpStatusCode.NotFound, goneCode);
    }

    [Fact]
    public async Task Update_MarkedForDeletion_NewFinalizerRefused422_DeletionTimestampKept()
    {
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Held("a"));
        var (_, marked) = await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/pods/a");
        var (code, status) = await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/pods/a", new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = new JsonArray("example.com/hold", "example.com/late") } }, "application/merge-patch+json");
        // An update that tries to clear deletionTimestamp keeps it (the field is the server's).
        var cleared = (JsonObject)marked.DeepClone();
        cleared["metadata"]!["deletionTimestamp"] = null;
        cleared["metadata"]!["labels"] = new JsonObject { ["v"] = "2" };
        var (_, updated) = await SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/pods/a", cleared);
        var (_, after) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods/a");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Contains("metadata.finalizers", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("example.com/late", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["example.com/hold"], after["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal(marked["metadata"]!["deletionTimestamp"]!.GetValue<string>(), updated["metadata"]!["deletionTimestamp"]!.GetValue<string>());
        Assert.Equal(0, updated["metadata"]!["deletionGracePeriodSeconds"]!.GetValue<int>());
    }

    [Fact]
    public async Task Update_NotMarked_FinalizerAddedAndRemovedFreely()
    {
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("a"));
        var (addCode, added) = await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/pods/a", new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = new JsonArray("example.com/hold") } }, "application/merge-patch+json");
        var (removeCode, removed) = await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/pods/a", new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = null } }, "application/merge-patch+json");
        var (stillCode, _) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods/a");

        Assert.Equal(HttpStatusCode.OK, addCode);
        Assert.Equal(["example.com/hold"], added["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, removeCode);
        Assert.Null(removed["metadata"]!["finalizers"]);
        Assert.Equal(HttpStatusCode.OK, stillCode); // not marked for deletion: removing a finalizer deletes nothing
    }

    private static JsonObject Held(string name, params string[] finalizers)
    {
        var pod = Pod(name);
        pod["metadata"]!["finalizers"] = new JsonArray([.. (finalizers.Length == 0 ? ["example.com/hold"] : finalizers).Select(f => (JsonNode)f)]);
        return pod;
    }

    [Fact]
    public async Task Delete_PreconditionStale_Is409()
    {
        var (_, created) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("a"));
        await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/pods/a", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["x"] = "y" } } }, "application/merge-patch+json");
        var options = new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1", ["preconditions"] = new JsonObject { ["resourceVersion"] = Rv(created) } };
        var (code, _) = await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/pods/a", options);

        Assert.Equal(HttpStatusCode.Conflict, code);
    }

    [Fact]
    public async Task List_WithLabelSelector_IsRefusedNotIgnored()
    {
        var (code, _) = await SendAsync(HttpMethod.Get, "/api/v1/pods?labelSelector=app%3Dweb");

        Assert.Equal(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task Watch_FromListResourceVersion_StreamsLaterChangesInOrder()
    {
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("before"));
        var (_, list) = await SendAsync(HttpMethod.Get, "/api/v1/pods");
        var listRv = list["metadata"]!["resourceVersion"]!.GetValue<string>();
        await using var watch = await WatchStream.OpenAsync(_http, $"/api/v1/pods?watch=1&resourceVersion={listRv}", Ct);

        var (_, created) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("a"));
        await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/pods/a", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["v"] = "2" } } }, "application/merge-patch+json");
        await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/pods/a");

        var events = new[] { await watch.NextAsync(Ct), await watch.NextAsync(Ct), await watch.NextAsync(Ct) };
        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], events.Select(e => e["type"]!.GetValue<string>()));
        Assert.All(events, e => Assert.Equal("a", e["object"]!["metadata"]!["name"]!.GetValue<string>()));
        Assert.Equal(Rv(created), Rv(events[0]["object"]!.AsObject()));
        Assert.Equal("2", events[1]["object"]!["metadata"]!["labels"]!["v"]!.GetValue<string>());
        // Each event's object carries the resourceVersion of that change, increasing.
        var versions = events.Select(e => long.Parse(Rv(e["object"]!.AsObject()))).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(3, versions.Distinct().Count());
    }

    [Fact]
    public async Task Watch_FromAnEmptyListsResourceVersion_StreamsLaterChangesInTheirOrder()
    {
        // The list of a type with no objects still carries a real resourceVersion, never "0" ("any version"): a watch
        // from it gets the creations that follow in the order they were made, not existing objects by name.
        var (_, list) = await SendAsync(HttpMethod.Get, "/api/v1/pods");
        var listRv = list["metadata"]!["resourceVersion"]!.GetValue<string>();
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("zeta"));
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("alpha"));
        await using var watch = await WatchStream.OpenAsync(_http, $"/api/v1/pods?watch=1&resourceVersion={listRv}", Ct);

        var events = new[] { await watch.NextAsync(Ct), await watch.NextAsync(Ct) };

        Assert.Empty(list["items"]!.AsArray());
        Assert.NotEqual("0", listRv);
        Assert.Equal(["zeta", "alpha"], events.Select(e => e["object"]!["metadata"]!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Watch_WithoutResourceVersion_StartsWithAddedForExisting()
    {
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("a"));
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("b"));
        await using var watch = await WatchStream.OpenAsync(_http, "/api/v1/namespaces/default/pods?watch=true", Ct);

        var first = await watch.NextAsync(Ct);
        var second = await watch.NextAsync(Ct);

        Assert.Equal(("ADDED", "a"), (first["type"]!.GetValue<string>(), first["object"]!["metadata"]!["name"]!.GetValue<string>()));
        Assert.Equal(("ADDED", "b"), (second["type"]!.GetValue<string>(), second["object"]!["metadata"]!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Watch_FromCompactedResourceVersion_GetsErrorEvent410Expired()
    {
        var (_, created) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("a"));
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("b"));
        _server.Compact();
        await using var watch = await WatchStream.OpenAsync(_http, $"/api/v1/pods?watch=1&resourceVersion={Rv(created)}", Ct);

        var error = await watch.NextAsync(Ct);
        var end = await watch.NextOrEndAsync(Ct);

        Assert.Equal("ERROR", error["type"]!.GetValue<string>());
        Assert.Equal("Status", error["object"]!["kind"]!.GetValue<string>());
        Assert.Equal(410, error["object"]!["code"]!.GetValue<int>());
        Assert.Equal("Expired", error["object"]!["reason"]!.GetValue<string>());
        Assert.Null(end);
    }

    [Fact]
    public async Task Watch_FromCurrentResourceVersionAfterCompaction_Works()
    {
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("a"));
        _server.Compact();
        await using var watch = await WatchStream.OpenAsync(_http, $"/api/v1/pods?watch=1&resourceVersion={_server.ResourceVersion}", Ct);
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("b"));

        var added = await watch.NextAsync(Ct);

        Assert.Equal(("ADDED", "b"), (added["type"]!.GetValue<string>(), added["object"]!["metadata"]!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Bookmark_OnlyWhenAllowed_CarriesOnlyResourceVersion()
    {
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("a"));
        var rv = _server.ResourceVersion;
        await using var plain = await WatchStream.OpenAsync(_http, $"/api/v1/pods?watch=1&resourceVersion={rv}", Ct);
        await using var bookmarked = await WatchStream.OpenAsync(_http, $"/api/v1/pods?watch=1&resourceVersion={rv}&allowWatchBookmarks=true", Ct);
        Assert.Equal(2, _server.OpenWatches); // registered before the response headers were sent

        _server.Bookmark();
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("b"));

        var bookmark = await bookmarked.NextAsync(Ct);
        var firstPlain = await plain.NextAsync(Ct);
        Assert.Equal("BOOKMARK", bookmark["type"]!.GetValue<string>());
        Assert.Equal(rv.ToString(System.Globalization.CultureInfo.InvariantCulture), bookmark["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Null(bookmark["object"]!["metadata"]!["name"]);
        Assert.Equal("ADDED", firstPlain["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task DropWatches_EndsTheStream_ResumingFromLastSeenMissesNothing()
    {
        var start = _server.ResourceVersion;
        await using (var watch = await WatchStream.OpenAsync(_http, $"/api/v1/pods?watch=1&resourceVersion={start}", Ct))
        {
            await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("a"));
            var seen = await watch.NextAsync(Ct);
            _server.DropWatches();
            Assert.Null(await watch.NextOrEndAsync(Ct));
            start = long.Parse(Rv(seen["object"]!.AsObject()));
        }

        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("b"));
        await using var resumed = await WatchStream.OpenAsync(_http, $"/api/v1/pods?watch=1&resourceVersion={start}", Ct);
        var next = await resumed.NextAsync(Ct);

        Assert.Equal("b", next["object"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Leases_CreateAndReplaceWithResourceVersion()
    {
        var lease = new JsonObject
        {
            ["apiVersion"] = "coordination.k8s.io/v1",
            ["kind"] = "Lease",
            ["metadata"] = new JsonObject { ["name"] = "leader" },
            ["spec"] = new JsonObject { ["holderIdentity"] = "a", ["leaseDurationSeconds"] = 15 },
        };
        var (code, created) = await SendAsync(HttpMethod.Post, "/apis/coordination.k8s.io/v1/namespaces/linnet/leases", lease);
        created["spec"]!["holderIdentity"] = "b";
        var (replaced, _) = await SendAsync(HttpMethod.Put, "/apis/coordination.k8s.io/v1/namespaces/linnet/leases/leader", created);
        var (stale, _) = await SendAsync(HttpMethod.Put, "/apis/coordination.k8s.io/v1/namespaces/linnet/leases/leader", created);

        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal(HttpStatusCode.OK, replaced);
        Assert.Equal(HttpStatusCode.Conflict, stale);
    }

    [Fact]
    public async Task ExpireWatches_OpenWatchGetsErrorEvent410ThenEnds()
    {
        await using var watch = await WatchStream.OpenAsync(_http, $"/api/v1/pods?watch=1&resourceVersion={_server.ResourceVersion}", Ct);
        _server.ExpireWatches();
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("late"));

        var error = await watch.NextAsync(Ct);

        Assert.Equal("ERROR", error["type"]!.GetValue<string>());
        Assert.Equal(410, error["object"]!["code"]!.GetValue<int>());
        Assert.Null(await watch.NextOrEndAsync(Ct));
    }

    // "Kubernetes API": GET /version answers version.Info (major, minor, gitVersion ...); the default RBAC policy's
    // system:public-info-viewer ClusterRole lets unauthenticated callers read it.
    [Fact]
    public async Task Version_AnyCaller_GetsVersionInfoWithMajorMinorAndGitVersion()
    {
        _server.KubernetesVersion = "v1.30.5-gke.1014001";
        using var anonymous = new HttpClient { BaseAddress = _server.BaseUri };

        using var response = await anonymous.GetAsync(new Uri("/version", UriKind.Relative), Ct);
        var info = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1", info["major"]!.GetValue<string>());
        Assert.Equal("30", info["minor"]!.GetValue<string>());
        Assert.Equal("v1.30.5-gke.1014001", info["gitVersion"]!.GetValue<string>());
    }

    // Cluster-scoped kinds ("Kubernetes API Concepts": /apis/GROUP/VERSION/RESOURCETYPE/NAME, no namespace segment):
    // created and read at the cluster path; a namespaced path for them is not found.
    [Fact]
    public async Task ClusterScopedType_CreatedAndReadWithoutNamespace_NamespacedPathNotFound()
    {
        await using var server = await FakeApiServer.StartAsync(FakeResourceType.InstallTypes, cancellationToken: Ct);
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token);
        var role = new JsonObject
        {
            ["apiVersion"] = "rbac.authorization.k8s.io/v1",
            ["kind"] = "ClusterRole",
            ["metadata"] = new JsonObject { ["name"] = "reader" },
            ["rules"] = new JsonArray(new JsonObject { ["apiGroups"] = new JsonArray(""), ["resources"] = new JsonArray("pods"), ["verbs"] = new JsonArray("get") }),
        };

        using var created = await http.PostAsync(new Uri("/apis/rbac.authorization.k8s.io/v1/clusterroles", UriKind.Relative), new StringContent(role.ToJsonString(), Encoding.UTF8, "application/json"), Ct);
        using var read = await http.GetAsync(new Uri("/apis/rbac.authorization.k8s.io/v1/clusterroles/reader", UriKind.Relative), Ct);
        using var namespaced = await http.GetAsync(new Uri("/apis/rbac.authorization.k8s.io/v1/namespaces/default/clusterroles/reader", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var body = JsonNode.Parse(await read.Content.ReadAsStringAsync(Ct))!;
        Assert.Null(body["metadata"]!["namespace"]);
        Assert.Equal("pods", body["rules"]![0]!["resources"]![0]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, namespaced.StatusCode);
    }
}
