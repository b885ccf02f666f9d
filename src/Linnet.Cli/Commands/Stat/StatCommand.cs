using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Linnet.Cli.Commands.Stat;

/// <summary>Builds <c>linnet stat</c>, in the shape of Linkerd's: <c>linnet stat deploy[/name] [--from|--to
/// deploy/x] [-t 1m] [-n ns|-A] [-o json]</c> → NAME MESHED SUCCESS RPS LATENCY_P50 LATENCY_P95 LATENCY_P99 TCP_CONN.</summary>
internal static class StatCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("resource") { Description = "workloads (deploy), namespaces (ns), services (svc) or authorities (au), optionally /name.", DefaultValueFactory = _ => "workloads" };
        var options = new TrafficQueryOptions("The window (for example 30s, 1m, 10m).");
        var from = new Option<string?>("--from") { Description = "Only traffic sent by this workload (deploy/name or namespace/name)." };
        var to = new Option<string?>("--to") { Description = "Only traffic sent to this workload (deploy/name or namespace/name)." };
        var command = new Command("stat", "Success rate, requests per second and latency of workloads, services or authorities.") { target, from, to };
        options.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var text = parse.GetValue(target)!;
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            var resource = slash < 0 ? text : text[..slash];
            var name = slash < 0 ? null : text[(slash + 1)..];
            return await options.RunAsync(parse, "stat",
            [
                new("resource", resource),
                new("name", name),
                new("from", WorkloadArgument(parse.GetValue(from))),
                new("to", WorkloadArgument(parse.GetValue(to))),
            ], body =>
            {
                var workloads = body?["resource"]?.ToString() == "workloads";
                var table = new Table().NoBorder().AddColumns("NAMESPACE", "NAME", "MESHED", "SUCCESS", "RPS", "LATENCY_P50", "LATENCY_P95", "LATENCY_P99", "TCP_CONN");
                foreach (var row in body?["rows"]?.AsArray() ?? [])
                {
                    table.AddRow(
                        TrafficFormat.Text(row?["namespace"]),
                        TrafficFormat.Text(row?["name"]),
                        workloads ? $"{row?["meshedPods"]}/{row?["pods"]}" : "-",
                        TrafficFormat.Success(row),
                        TrafficFormat.Rps(row),
                        TrafficFormat.Latency(row, "latencyP50Ms"),
                        TrafficFormat.Latency(row, "latencyP95Ms"),
                        TrafficFormat.Latency(row, "latencyP99Ms"),
                        workloads ? (row?["tcpConnections"]?.GetValue<double>() ?? 0).ToString(CultureInfo.InvariantCulture) : "-");
                }

                return table;
            }, cancellationToken);
        });
        return command;
    }

    // Linkerd writes "deploy/web"; the API takes "web" or "namespace/web".
    internal static string? WorkloadArgument(string? text)
    {
        if (text is null)
        {
            return null;
        }

        foreach (var prefix in new[] { "deploy/", "deployment/", "deployments/", "workload/", "workloads/", "wl/" })
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                return text[prefix.Length..];
            }
        }

        return text;
    }
}
