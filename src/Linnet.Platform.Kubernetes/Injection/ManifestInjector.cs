using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Updates;
using Linnet.Platform.Kubernetes.Yaml;

namespace Linnet.Platform.Kubernetes.Injection;

/// <summary><c>linnet inject</c>: every pod and pod template of a YAML stream through <see cref="ProxyInjector"/>,
/// the other documents unchanged. One refused document refuses the whole stream (nothing half-injected).</summary>
public static class ManifestInjector
{
    // Where each workload kind keeps its pod template.
    private static readonly Dictionary<string, string[]> TemplatePaths = new(StringComparer.Ordinal)
    {
        ["Pod"] = [],
        ["Deployment"] = ["spec", "template"],
        ["StatefulSet"] = ["spec", "template"],
        ["DaemonSet"] = ["spec", "template"],
        ["ReplicaSet"] = ["spec", "template"],
        ["ReplicationController"] = ["spec", "template"],
        ["Job"] = ["spec", "template"],
        ["CronJob"] = ["spec", "jobTemplate", "spec", "template"],
    };

    /// <summary>The <c>keel.sh/</c> (and legacy <c>keel.observer/</c>) annotations and labels of a workload, sorted.</summary>
    private static List<string> KeelKeys(JsonObject document)
    {
        var metadata = document["metadata"];
        return [.. new[] { metadata?["annotations"], metadata?["labels"] }
            .OfType<JsonObject>()
            .SelectMany(map => map.Select(pair => pair.Key))
            .Where(key => key.StartsWith("keel.sh/", StringComparison.Ordinal) || key.StartsWith("keel.observer/", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
    }

    private static Dictionary<string, string> Strings(JsonNode? node) =>
        (node as JsonObject ?? []).Where(p => p.Value is JsonValue v && v.TryGetValue<string>(out _)).ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal);

    /// <summary>Injects every workload of <paramref name="text"/>.</summary>
    public static ManifestInjection Inject(string text, string source, InjectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        IReadOnlyList<JsonNode?> documents;
        try
        {
            documents = ManifestYaml.Read(text);
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            return new ManifestInjection("", [], [$"{source}: line {ex.Start.Line}: YAML syntax error: {ex.Message}"]);
        }

        var report = new List<string>();
        var errors = new List<string>();
        for (var i = 0; i < documents.Count; i++)
        {
            if (documents[i] is not JsonObject document || (string?)document["kind"] is not { } kind || !TemplatePaths.TryGetValue(kind, out var steps))
            {
                continue;
            }

            var name = (string?)document["metadata"]?["name"] ?? "";
            var label = $"{kind.ToLowerInvariant()} \"{name}\"";
            if (KeelKeys(document) is { Count: > 0 } keel)
            {
                // Linnet's control plane on the cluster updates Deployments by them (the same reader, so the same
                // checks); on another kind, or when invalid, they are kept for Keel but said not acted on, never
                // silently kept.
                if (kind != "Deployment")
                {
                    report.Add($"{label}: {string.Join(", ", keel)} not acted on by Linnet on Kubernetes (Linnet updates the images of Deployments only; Keel, if it runs in the cluster, still reads them)");
                }
                else if (ImageTargets.Problems(Strings(document["metadata"]?["annotations"]), Strings(document["metadata"]?["labels"])) is { Count: > 0 } problems)
                {
                    report.Add($"{label}: {string.Join("; ", problems.Select(p => $"{p.Path}: {p.Reason}"))}: not acted on by Linnet until valid (Keel, if it runs in the cluster, still reads them)");
                }
            }

            JsonNode? pod = document;
            foreach (var step in steps)
            {
                pod = pod?[step];
            }

            var path = string.Join(".", steps);
            if (pod is not JsonObject template)
            {
                errors.Add($"{source}: document {i + 1} ({kind}/{name}): {(path.Length == 0 ? "(document)" : path)}: a pod template is required");
                continue;
            }

            var result = ProxyInjector.Mutate(template, new Dictionary<string, string>(), settings, explicitRequest: true, kind == "Pod" ? null : name, path);
            switch (result.Outcome)
            {
                case InjectionOutcome.Injected:
                    JsonPatch.Apply(template, result.Patch);
                    report.Add($"{label} injected");
                    break;
                case InjectionOutcome.Skipped:
                    report.Add($"{label} skipped: {result.Reason}");
                    break;
                default:
                    errors.AddRange(result.Errors.Select(e => $"{source}: document {i + 1} ({kind}/{name}): {e.Path}: {e.Reason}"));
                    break;
            }
        }

        return errors.Count > 0
            ? new ManifestInjection("", report, errors)
            : new ManifestInjection(ManifestYaml.Write(documents), report, []);
    }
}
