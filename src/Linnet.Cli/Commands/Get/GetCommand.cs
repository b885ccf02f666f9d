using System.CommandLine;
using Linnet.ControlPlane.Core.Kinds;

namespace Linnet.Cli.Commands.Get;

/// <summary>Builds <c>linnet get</c>.</summary>
internal static class GetCommand
{
    public static Command Create()
    {
        var kind = new Argument<string>("kind") { Description = ResourceKinds.KnownWithShortNames };
        var name = new Argument<string?>("name") { Arity = ArgumentArity.ZeroOrOne, Description = "One resource by name." };
        var ns = CliOptions.Namespace();
        var all = new Option<bool>("--all-namespaces", "-A") { Description = "Every namespace." };
        var output = CliOptions.Output();
        var command = new Command("get", "List resources, or show one.") { kind, name, ns, all, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (ResourceKinds.Resolve(parse.GetValue(kind)!)?.Name is not { } resolved)
            {
                CliOptions.Printer(parse, output).Error($"unknown kind '{parse.GetValue(kind)}' (known: {ResourceKinds.KnownWithShortNames})");
                return ExitCodes.Invalid;
            }

            var handler = new GetHandler(CliOptions.Client(parse), CliOptions.Printer(parse, output));
            return await handler.RunAsync(resolved, parse.GetValue(name), parse.GetValue(all) ? null : parse.GetValue(ns), cancellationToken);
        });
        return command;
    }
}
