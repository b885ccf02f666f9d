using System.CommandLine;
using Linnet.ControlPlane.Core.Kinds;
using System.Text.Json.Nodes;
using Linnet.Cli.Output;
using Spectre.Console;

namespace Linnet.Cli.Commands.Describe;

/// <summary>Builds <c>linnet describe</c>: the resource, and what it relates to (a workload's instances, a
/// service's endpoints).</summary>
internal static class DescribeCommand
{
    public static Command Create()
    {
        var kind = new Argument<string>("kind") { Description = ResourceKinds.KnownWithShortNames };
        var name = new Argument<string>("name");
        var ns = CliOptions.Namespace();
        var command = new Command("describe", "Show a resource in full, with related instances.") { kind, name, ns };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (ResourceKinds.ResolveQualifiedName(parse.GetValue(kind)!) is not { } resolved)
            {
                await Console.Error.WriteLineAsync($"error: unknown kind '{parse.GetValue(kind)}' (known: {ResourceKinds.KnownWithShortNames})");
                return ExitCodes.Invalid;
            }

            var client = CliOptions.Client(parse);
            var console = AnsiConsole.Console;
            var nsValue = parse.GetValue(ns)!;
            try
            {
                var response = await client.GetAsync(resolved, nsValue, parse.GetValue(name)!, cancellationToken);
                if (!response.IsSuccess)
                {
                    await Console.Error.WriteLineAsync($"error: {resolved} {nsValue}/{parse.GetValue(name)} {(response.Status == System.Net.HttpStatusCode.NotFound ? "not found" : response.Error)}");
                    return ExitCodes.Failed;
                }

                console.Profile.Out.Writer.Write(YamlWriter.Write(response.Body));
                if (resolved is "Workload" or "Service")
                {
                    var instances = (await client.ListAsync("Instance", nsValue, cancellationToken)).Body?["items"]?.AsArray() ?? [];
                    var related = instances.Where(i => Relates(resolved, response.Body!, i!)).ToList();
                    var table = new Table().Title(resolved == "Workload" ? "Instances" : "Endpoints (instances the selector matches)").AddColumns("INSTANCE", "ADDRESS", "READY", "PROXY ADMIN", "VERSION", "IMAGE");
                    foreach (var i in related)
                    {
                        var spec = i!["spec"];
                        table.AddRow(Markup.Escape($"{i["metadata"]?["name"]}"), Markup.Escape($"{spec?["address"]}"), $"{spec?["ready"]}", Markup.Escape($"http://{spec?["address"]}:{spec?["proxyAdminPort"]}"), Markup.Escape($"{spec?["version"]}"),
                            Markup.Escape(spec?["pull"] is { } pull ? ImagePullText.Describe(pull) : $"{spec?["image"]}{(spec?["imageDigest"] is { } digest ? $"@{digest}" : "")}"));
                    }

                    console.Write(table);
                }

                if (resolved == "Canary")
                {
                    var events = new Table().Title("Events").AddColumns("TIME", "TYPE", "MESSAGE");
                    foreach (var e in response.Body?["status"]?["events"]?.AsArray() ?? [])
                    {
                        events.AddRow(Markup.Escape($"{e?["at"]}"), Markup.Escape($"{e?["type"]}"), Markup.Escape($"{e?["message"]}"));
                    }

                    console.Write(events);
                    if (CanaryJudgeTable.From(response.Body?["status"]?["judge"]) is { } judge)
                    {
                        console.Write(judge);
                    }
                }
            }
            catch (HttpRequestException ex)
            {
                await Console.Error.WriteLineAsync($"error: cannot reach the control plane: {ex.Message}");
                return ExitCodes.Unreachable;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static bool Relates(string kind, JsonNode resource, JsonNode instance)
    {
        if (kind == "Workload")
        {
            return instance["spec"]?["workload"]?.ToString() == resource["metadata"]?["name"]?.ToString();
        }

        var selector = resource["spec"]?["selector"]?.AsObject();
        var labels = instance["metadata"]?["labels"]?.AsObject();
        return selector is { Count: > 0 } && labels is not null && selector.All(kv => labels[kv.Key]?.ToString() == kv.Value?.ToString());
    }
}
