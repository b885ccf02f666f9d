using System.CommandLine;
using Linnet.Cli.Commands.Stat;
using Spectre.Console;

namespace Linnet.Cli.Commands.Routes;

/// <summary>Builds <c>linnet routes</c>: each HTTPRoute/GRPCRoute rule's traffic as its clients' proxies counted
/// it — ROUTE PARENT CLIENT SUCCESS RPS.</summary>
internal static class RoutesCommand
{
    public static Command Create()
    {
        var workload = new Argument<string?>("workload") { Arity = ArgumentArity.ZeroOrOne, Description = "Only routes used by this workload (deploy/name)." };
        var ns = CliOptions.Namespace();
        var all = new Option<bool>("--all-namespaces", "-A") { Description = "Every namespace." };
        var window = new Option<string>("--time-window", "-t") { Description = "The window.", DefaultValueFactory = _ => "1m" };
        var output = CliOptions.Output();
        var command = new Command("routes", "Traffic per route (HTTPRoute, GRPCRoute), as the calling proxies counted it.") { workload, ns, all, window, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var printer = CliOptions.Printer(parse, output);
            var client = CliOptions.Client(parse);
            var response = await client.QueryAsync("routes",
            [
                new("namespace", parse.GetValue(all) ? null : parse.GetValue(ns)),
                new("workload", StatCommand.WorkloadArgument(parse.GetValue(workload))),
                new("window", parse.GetValue(window)),
            ], cancellationToken);
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
                var table = new Table().NoBorder().AddColumns("ROUTE", "KIND", "PARENT", "CLIENT", "SUCCESS", "RPS");
                foreach (var route in response.Body?["routes"]?.AsArray() ?? [])
                {
                    table.AddRow(TrafficFormat.Text(route?["route"]), TrafficFormat.Text(route?["kind"]), TrafficFormat.Text(route?["parent"]),
                        $"{TrafficFormat.Text(route?["namespace"])}/{TrafficFormat.Text(route?["workload"])}", TrafficFormat.Success(route), TrafficFormat.Rps(route));
                }

                return table;
            });
            return ExitCodes.Ok;
        });
        return command;
    }
}
