using System.Text.Json;
using Linnet.Registry;

namespace Linnet.ControlPlane.Core.Updates;

/// <summary>The push notifications Keel accepts at <c>/v1/webhooks/&lt;kind&gt;</c>, read with Keel's rules
/// (keel-hq/keel <c>pkg/http/*_webhook_trigger.go</c>): which fields name the repository and tag, and which must
/// not be empty. Every value is also checked (a tag as the distribution spec writes tags, a sha256 digest), so a
/// payload Linnet accepts can only name a real image.</summary>
public static class KeelWebhookPayloads
{
    /// <summary>The kinds served.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["native", "dockerhub", "quay", "azure", "registry", "harbor", "github", "jfrog"];

    /// <summary>Reads a payload of <paramref name="kind"/>; on failure, <paramref name="error"/> says what is wrong.
    /// <paramref name="githubEvent"/> is GitHub's <c>X-GitHub-Event</c> header; <paramref name="jfrogRegistry"/>
    /// the registry host JFrog's image names are under (Keel's <c>PRIVATE_REGISTRY</c>; Docker Hub when null).
    /// A payload about something that is not a pushed tag (another action, GitHub's <c>ping</c>) is valid and
    /// yields no event, as in Keel.</summary>
    public static bool TryParse(string kind, ReadOnlySpan<byte> body, out IReadOnlyList<ImagePushEvent> events, out string? error, string? githubEvent = null, string? jfrogRegistry = null)
    {
        events = [];
        error = null;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException ex)
        {
            error = $"the body is not JSON: {ex.Message}";
            return false;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "the body must be a JSON object";
                return false;
            }

            var found = new List<ImagePushEvent>();
            error = kind switch
            {
                // {"name": "...", "tag": "...", "digest": "..."}
                "native" => Add(found, Text(root, "name"), "name", Text(root, "tag"), "tag", Text(root, "digest"), "digest"),
                // {"push_data": {"tag": "..."}, "repository": {"repo_name": "..."}}
                "dockerhub" => Add(found, Text(Child(root, "repository"), "repo_name"), "repository.repo_name", Text(Child(root, "push_data"), "tag"), "push_data.tag", null, ""),
                // {"docker_url": "...", "updated_tags": ["..."]}
                "quay" => Quay(found, root),
                // {"target": {"repository", "tag", "digest"}, "request": {"host"}}
                "azure" => Add(found, Join(Text(Child(root, "request"), "host"), Text(Child(root, "target"), "repository")), "target.repository", Text(Child(root, "target"), "tag"), "target.tag", Text(Child(root, "target"), "digest"), "target.digest"),
                // Docker distribution notifications: {"events":[{"action":"push","target":{"repository","tag","digest"},"request":{"host"}}]}
                "registry" => Registry(found, root),
                // {"type":"pushImage"|"PUSH_ARTIFACT","event_data":{"resources":[{"resource_url":"host/ns/repo:tag","digest"}]}}
                "harbor" => Harbor(found, root),
                // X-GitHub-Event package_v2 (ghcr.io) or registry_package (docker.pkg.github.com)
                "github" => GitHub(found, root, githubEvent),
                // {"data":{"image_name","tag","sha256"}}
                "jfrog" => Add(found, Join(jfrogRegistry, Text(Child(root, "data"), "image_name")), "data.image_name", Text(Child(root, "data"), "tag"), "data.tag", Text(Child(root, "data"), "sha256") is { Length: > 0 } sha ? "sha256:" + sha : null, "data.sha256"),
                _ => $"'{kind}' is not a webhook kind Linnet serves ({string.Join(", ", Kinds)})",
            };
            events = found;
            return error is null;
        }
    }

    private static string? Registry(List<ImagePushEvent> found, JsonElement root)
    {
        if (!root.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array)
        {
            return "events must be a list";
        }

        var i = 0;
        foreach (var e in events.EnumerateArray())
        {
            // Keel acts on pushes that name a tag; pulls, deletes and pushes by digest are not updates.
            if (Text(e, "action") == "push" && Text(Child(e, "target"), "tag") is { Length: > 0 } tag)
            {
                var problem = Add(found, Join(Text(Child(e, "request"), "host"), Text(Child(e, "target"), "repository")), $"events[{i}].target.repository", tag, $"events[{i}].target.tag", Text(Child(e, "target"), "digest"), $"events[{i}].target.digest");
                if (problem is not null)
                {
                    return problem;
                }
            }

            i++;
        }

        return null;
    }

    private static string? Harbor(List<ImagePushEvent> found, JsonElement root)
    {
        if (Text(root, "type") is not ("pushImage" or "PUSH_ARTIFACT"))
        {
            return Text(root, "type") is null ? "type cannot be empty" : null;
        }

        if (Child(Child(root, "event_data"), "resources") is not { ValueKind: JsonValueKind.Array } resources)
        {
            return "event_data.resources must be a list";
        }

        var i = 0;
        foreach (var resource in resources.EnumerateArray())
        {
            var path = $"event_data.resources[{i}].resource_url";
            var url = Text(resource, "resource_url");
            var colon = url?.LastIndexOf(':') ?? -1;
            if (string.IsNullOrEmpty(url) || url.Contains('@', StringComparison.Ordinal) || colon <= url.LastIndexOf('/'))
            {
                return $"{path}: '{url}' is not an image with a tag (host/namespace/repository:tag)";
            }

            var problem = Add(found, url[..colon], path, url[(colon + 1)..], path, Text(resource, "digest"), $"event_data.resources[{i}].digest");
            if (problem is not null)
            {
                return problem;
            }

            i++;
        }

        return null;
    }

    private static string? GitHub(List<ImagePushEvent> found, JsonElement root, string? githubEvent)
    {
        switch (githubEvent)
        {
            case "ping":
                return null;
            case "package_v2":
            {
                var package = Child(root, "package");
                if (Text(package, "ecosystem") != "CONTAINER")
                {
                    return "package.ecosystem must be CONTAINER";
                }

                var name = Text(package, "name");
                var ns = Text(package, "namespace");
                if (string.IsNullOrEmpty(ns))
                {
                    return "package.namespace cannot be empty";
                }

                var tag = Child(Child(Child(package, "package_version"), "container_metadata"), "tag");
                return Add(found, string.IsNullOrEmpty(name) ? null : $"ghcr.io/{ns}/{name}", "package.name", Text(tag, "name"), "package.package_version.container_metadata.tag.name", Text(tag, "digest"), "package.package_version.container_metadata.tag.digest");
            }

            case "registry_package":
            {
                var package = Child(root, "registry_package");
                if (Text(package, "package_type") != "CONTAINER")
                {
                    return "registry_package.package_type must be CONTAINER";
                }

                var fullName = Text(Child(root, "repository"), "full_name");
                if (string.IsNullOrEmpty(fullName))
                {
                    return "repository.full_name cannot be empty";
                }

                var name = Text(package, "name");
                return Add(found, string.IsNullOrEmpty(name) ? null : $"docker.pkg.github.com/{fullName}/{name}", "registry_package.name", Text(Child(package, "package_version"), "version"), "registry_package.package_version.version", null, "");
            }

            default:
                return $"the X-GitHub-Event header must be package_v2 or registry_package (got '{githubEvent}')";
        }
    }

    private static string? Quay(List<ImagePushEvent> found, JsonElement root)
    {
        var url = Text(root, "docker_url");
        if (root.TryGetProperty("updated_tags", out var tags) && tags.ValueKind == JsonValueKind.Array && tags.GetArrayLength() > 0)
        {
            var i = 0;
            foreach (var tag in tags.EnumerateArray())
            {
                var problem = Add(found, url, "docker_url", tag.ValueKind == JsonValueKind.String ? tag.GetString() : null, $"updated_tags[{i}]", null, "");
                if (problem is not null)
                {
                    return problem;
                }

                i++;
            }

            return null;
        }

        return "updated_tags cannot be empty";
    }

    private static string? Add(List<ImagePushEvent> found, string? repository, string repositoryField, string? tag, string tagField, string? digest, string digestField)
    {
        if (string.IsNullOrEmpty(repository))
        {
            return $"{repositoryField} cannot be empty";
        }

        if (string.IsNullOrEmpty(tag))
        {
            return $"{tagField} cannot be empty";
        }

        if (!ImageReference.TryParse(repository + ":" + tag, out _, out var reason))
        {
            return $"{repositoryField}/{tagField}: {reason}";
        }

        if (!string.IsNullOrEmpty(digest) && !ContentDigest.TryParse(digest, out _))
        {
            return $"{digestField}: '{digest}' is not a sha256 digest";
        }

        found.Add(new ImagePushEvent(repository, tag, string.IsNullOrEmpty(digest) ? null : digest));
        return null;
    }

    private static JsonElement Child(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var child) ? child : default;

    private static string? Text(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Join(string? host, string? repository) =>
        string.IsNullOrEmpty(repository) ? null : string.IsNullOrEmpty(host) ? repository : host + "/" + repository;
}
