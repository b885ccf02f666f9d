using System.Text.Json.Nodes;
using Linnet.Cli.Api;
using Linnet.Cli.Output;
using Linnet.ControlPlane.Core.Manifests;
using Spectre.Console;

namespace Linnet.Cli.Commands.Apply;

/// <summary><c>linnet apply -f</c>: validates every file locally (so errors name the file), then sends
/// them; the control plane applies each file all-or-nothing.</summary>
internal sealed class ApplyHandler(ControlPlaneClient client, Printer printer, TimeProvider? time = null)
{
    public async Task<int> RunAsync(IReadOnlyList<(string Source, string Text)> files, CancellationToken cancellationToken)
    {
        var errors = files.SelectMany(f => ManifestParser.Parse(f.Text, f.Source).Errors).ToList();
        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                printer.Error(error.ToString());
            }

            printer.Note("[red]nothing was applied[/]");
            return ExitCodes.Invalid;
        }

        var results = new JsonArray();
        var warnings = new JsonArray();
        foreach (var (source, text) in files)
        {
            ApiResponse response;
            try
            {
                response = await client.ApplyAsync(text, source, cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                printer.Error($"cannot reach the control plane at {client.BaseAddress}: {ex.Message} (is it up? `linnet up`)");
                return ExitCodes.Unreachable;
            }

            if (!response.IsSuccess)
            {
                if (response.Body?["errors"] is JsonArray list)
                {
                    foreach (var e in list)
                    {
                        printer.Error($"{e?["source"]}: document {e?["document"]} ({e?["resource"]}): {e?["path"]}: {e?["reason"]}");
                    }
                }
                else
                {
                    printer.Error($"{source}: {response.Error}");
                }

                return (int)response.Status is 422 or 400 ? ExitCodes.Invalid : ExitCodes.Failed;
            }

            foreach (var result in response.Body?["results"]?.AsArray() ?? [])
            {
                results.Add(result?.DeepClone());
            }

            foreach (var w in response.Body?["warnings"]?.AsArray() ?? [])
            {
                printer.Warning($"{w?["source"]}: document {w?["document"]} ({w?["resource"]}): {w?["path"]}: {w?["reason"]}");
                warnings.Add(w?.DeepClone());
            }
        }

        // Structured output carries the warnings beside the results, so scripts see them too.
        var data = printer.Format == OutputFormat.Table ? (JsonNode)results : new JsonObject { ["results"] = results, ["warnings"] = warnings };
        printer.Print(data, () =>
        {
            var table = new Table().AddColumns("KIND", "NAMESPACE", "NAME", "RESULT");
            foreach (var r in results)
            {
                table.AddRow(r?["kind"]?.ToString() ?? "", r?["namespace"]?.ToString() ?? "", r?["name"]?.ToString() ?? "", r?["action"]?.ToString() ?? "");
            }

            return table;
        });

        // People see the image pulls of what they applied through to the end; scripts read `get instances`.
        var pulling = results
            .Where(r => r?["kind"]?.ToString() == "Workload" && r["action"]?.ToString() is "created" or "configured")
            .Select(r => (r!["namespace"]?.ToString() ?? "default", r["name"]?.ToString() ?? ""))
            .ToList();
        if (printer.Format == OutputFormat.Table && pulling.Count > 0
            && !await new PullFollower(client, printer.Console, time ?? TimeProvider.System).FollowAsync(pulling, cancellationToken))
        {
            printer.Warning("an image pull failed (above); the control plane retries it: `linnet get instances` shows how it goes");
        }

        return ExitCodes.Ok;
    }

    /// <summary>Reads <c>-f</c> arguments: files, directories (their .yaml/.yml/.json files), or <c>-</c> for stdin.</summary>
    public static async Task<List<(string Source, string Text)>> ReadAsync(IEnumerable<string> paths, TextReader stdin, CancellationToken cancellationToken)
    {
        var files = new List<(string, string)>();
        foreach (var path in paths)
        {
            if (path == "-")
            {
                files.Add(("stdin", await stdin.ReadToEndAsync(cancellationToken)));
            }
            else if (Directory.Exists(path))
            {
                foreach (var file in Directory.EnumerateFiles(path).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
                {
                    files.Add((file, await File.ReadAllTextAsync(file, cancellationToken)));
                }
            }
            else
            {
                files.Add((path, await File.ReadAllTextAsync(path, cancellationToken)));
            }
        }

        return files;
    }
}
