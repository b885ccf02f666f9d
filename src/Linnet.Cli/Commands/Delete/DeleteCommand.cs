using System.CommandLine;
using Linnet.ControlPlane.Core.Kinds;
using Linnet.Cli.Commands.Apply;
using Linnet.ControlPlane.Core.Manifests;

namespace Linnet.Cli.Commands.Delete;

/// <summary>Builds <c>linnet delete</c>: by kind and name, or every resource of manifest files.</summary>
internal static class DeleteCommand
{
    public static Command Create()
    {
        var kind = new Argument<string?>("kind") { Arity = ArgumentArity.ZeroOrOne, Description = ResourceKinds.KnownWithShortNames };
        var name = new Argument<string?>("name") { Arity = ArgumentArity.ZeroOrOne };
        var files = new Option<string[]>("--filename", "-f") { Description = "Delete the resources these manifests define.", AllowMultipleArgumentsPerToken = true };
        var ns = CliOptions.Namespace();
        var command = new Command("delete", "Delete resources.") { kind, name, files, ns };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var targets = new List<(string Kind, string Namespace, string Name)>();
            if (parse.GetValue(files) is { Length: > 0 } paths)
            {
                foreach (var (source, text) in await ApplyHandler.ReadAsync(paths, Console.In, cancellationToken))
                {
                    var parsed = ManifestParser.Parse(text, source);
                    foreach (var error in parsed.Errors)
                    {
                        await Console.Error.WriteLineAsync($"error: {error}");
                    }

                    if (!parsed.IsValid)
                    {
                        return ExitCodes.Invalid;
                    }

                    targets.AddRange(parsed.Resources.Select(r => (r.Key.QualifiedKind, r.Metadata.Namespace, r.Metadata.Name)));
                }
            }
            else if (parse.GetValue(kind) is { } k && parse.GetValue(name) is { } n && ResourceKinds.ResolveQualifiedName(k) is { } resolved)
            {
                targets.Add((resolved, parse.GetValue(ns)!, n));
            }
            else
            {
                await Console.Error.WriteLineAsync($"error: give KIND NAME (kinds: {ResourceKinds.KnownWithShortNames}) or -f FILE");
                return ExitCodes.Invalid;
            }

            var client = CliOptions.Client(parse);
            var code = ExitCodes.Ok;
            foreach (var (tKind, tNs, tName) in targets)
            {
                try
                {
                    var response = await client.DeleteAsync(tKind, tNs, tName, cancellationToken);
                    if (response.IsSuccess)
                    {
                        // A Canary with revertOnDeletion is reverted first: the API says so (202, action terminating).
                        Console.WriteLine(response.Body?["action"]?.GetValue<string>() == "terminating"
                            ? $"{tKind} {tNs}/{tName} terminating: {response.Body["message"]?.GetValue<string>()}"
                            : $"{tKind} {tNs}/{tName} deleted");
                    }
                    else
                    {
                        await Console.Error.WriteLineAsync($"error: {tKind} {tNs}/{tName}: {(response.Status == System.Net.HttpStatusCode.NotFound ? "not found" : response.Error)}");
                        code = ExitCodes.Failed;
                    }
                }
                catch (HttpRequestException ex)
                {
                    await Console.Error.WriteLineAsync($"error: cannot reach the control plane: {ex.Message}");
                    return ExitCodes.Unreachable;
                }
            }

            return code;
        });
        return command;
    }
}
