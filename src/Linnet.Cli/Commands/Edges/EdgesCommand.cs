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
        var ns = CliOptions.Namespace();
        var all = new Option<bool>("--all-namespaces", "-A") { Description = "Every namespace." };
        var window = new Option<string>("--time-window", "-t") { Description = "The window.", DefaultValueFactory = _ => "1m" };
        var output = CliOptions.Output();
        var command = new Command("edges", "Which workloads call which, and whether the calls are secured by mTLS.") { resource, ns, all, window, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var printer = CliOptions.Printer(parse, output);
            if (parse.GetValue(resource) is not ("workloads" or "workload" or "deploy" or "deployment" or "deployments" or "wl"))
            {
                printer.Error($"edges lists workloads, not '{parse.GetValue(resource)}'");
                return ExitCodes.Invalid;
            }

            var client = CliOptions.Client(parse);
            var response = await client.QueryAsync("edges", [new("namespace", parse.GetValue(all) ? null : parse.GetValue(ns)), new("window", parse.GetValue(window))], cancellationToken);
            if (response is null)
            {
                printer.Error($"control plane unreachable at {client.BaseAddress}");
                return ExitCodes.Unreachable;
            }

            if (!response.IsSuccess)
            {
                printer.Error(response.Error);
                return (int)response.Status is >= 400 and < 500 ? ExitCodes.Invalid : ExitCodes.Failed;
            }

            TrafficFormat.Widen(printer.Console);
            printer.Print(response.Body, () =>
            {
                var table = new Table().NoBorder().AddColumns("SRC", "DST", "SRC_NS", "DST_NS", "SECURED", "CLIENT_ID", "SERVER_ID");
                foreach (var edge in response.Body?["edges"]?.AsArray() ?? [])
                {
                    var secured = edge?["secured"]?.GetValue<bool>() == true;
                    table.AddRow(TrafficFormat.Text(edge?["src"]), TrafficFormat.Text(edge?["dst"]), TrafficFormat.Text(edge?["srcNamespace"]), TrafficFormat.Text(edge?["dstNamespace"]),
                        secured ? "√" : "×", secured ? TrafficFormat.Text(edge?["clientId"]) : "-", secured ? TrafficFormat.Text(edge?["serverId"]) : "-");
                }

                return table;
            });
            return ExitCodes.Ok;
        });
        return command;
    }
}
