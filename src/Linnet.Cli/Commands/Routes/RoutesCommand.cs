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
        var options = new TrafficQueryOptions("The window.");
        var command = new Command("routes", "Traffic per route (HTTPRoute, GRPCRoute), as the calling proxies counted it.") { workload };
        options.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
            await options.RunAsync(parse, "routes", [new("workload", StatCommand.WorkloadArgument(parse.GetValue(workload)))], body =>
            {
                var table = new Table().NoBorder().AddColumns("ROUTE", "KIND", "PARENT", "CLIENT", "SUCCESS", "RPS");
                foreach (var route in body?["routes"]?.AsArray() ?? [])
                {
                    table.AddRow(TrafficFormat.Text(route?["route"]), TrafficFormat.Text(route?["kind"]), TrafficFormat.Text(route?["parent"]),
                        $"{TrafficFormat.Text(route?["namespace"])}/{TrafficFormat.Text(route?["workload"])}", TrafficFormat.Success(route), TrafficFormat.Rps(route));
                }

                return table;
            }, cancellationToken));
        return command;
    }
}
