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
    public static IReadOnlyList<string> Kinds { get; } = ["native", "dockerhub", "quay", "azure"];

    /// <summary>Reads a payload of <paramref name="kind"/>; on failure, <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string kind, ReadOnlySpan<byte> body, out IReadOnlyList<ImagePushEvent> events, out string? error)
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
                _ => $"'{kind}' is not a webhook kind Linnet serves ({string.Join(", ", Kinds)})",
            };
            events = found;
            return error is null;
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
