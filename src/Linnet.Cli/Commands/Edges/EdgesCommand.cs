using System.CommandLine;
using Linnet.Cli.Commands.Stat;
using Spectre.Console;

namespace Linnet.Cli.Commands.Edges;

/// <summary>Builds <c>linnet edges</c> (Linkerd's shape): SRC DST SRC_NS DST_NS SECURED CLIENT_ID SERVER_ID —
/// who called whom in the window, and whether over mTLS.</summary>
internal static class EdgesCommand
{
    public static Command Create()
    {
        var resource = new Argument<string>("resource") { Description = "workloads (deploy).", DefaultValueFactory = _ => "workloads" };
        var options = new TrafficQueryOptions("The window.");
        var command = new Command("edges", "Which workloads call which, and whether the calls are secured by mTLS.") { resource };
        options.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(resource) is not ("workloads" or "workload" or "deploy" or "deployment" or "deployments" or "wl"))
            {
                CliOptions.Printer(parse, options.Output).Error($"edges lists workloads, not '{parse.GetValue(resource)}'");
                return ExitCodes.Invalid;
            }

            return await options.RunAsync(parse, "edges", [], body =>
            {
                var table = new Table().NoBorder().AddColumns("SRC", "DST", "SRC_NS", "DST_NS", "SECURED", "CLIENT_ID", "SERVER_ID");
                foreach (var edge in body?["edges"]?.AsArray() ?? [])
                {
                    var secured = edge?["secured"]?.GetValue<bool>() == true;
                    table.AddRow(TrafficFormat.Text(edge?["src"]), TrafficFormat.Text(edge?["dst"]), TrafficFormat.Text(edge?["srcNamespace"]), TrafficFormat.Text(edge?["dstNamespace"]),
                        secured ? "√" : "×", secured ? TrafficFormat.Text(edge?["clientId"]) : "-", secured ? TrafficFormat.Text(edge?["serverId"]) : "-");
                }

                return table;
            }, cancellationToken);
        });
        return command;
    }
}
