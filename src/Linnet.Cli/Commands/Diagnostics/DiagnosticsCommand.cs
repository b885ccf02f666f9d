using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using Linnet.Cli.Commands.Stat;

namespace Linnet.Cli.Commands.Diagnostics;

/// <summary>Builds <c>linnet diagnostics proxy-metrics [deploy/]name</c> (Linkerd's): the raw <c>/metrics</c> of
/// each proxy of a workload, one after the other under a <c># POD name (i of n)</c> header.</summary>
internal static class DiagnosticsCommand
{
    public static Command Create()
    {
        var workload = new Argument<string>("workload") { Description = "The workload (deploy/name or name)." };
        var ns = CliOptions.Namespace();
        var proxyMetrics = new Command("proxy-metrics", "Print the raw metrics of every proxy of a workload.") { workload, ns };
        proxyMetrics.SetAction(async (parse, cancellationToken) =>
        {
            var name = StatCommand.WorkloadArgument(parse.GetValue(workload))!;
            var client = CliOptions.Client(parse);
            var list = await client.QueryAsync("resources", [new("kind", "Instance"), new("namespace", parse.GetValue(ns))], cancellationToken);
            if (list is null)
            {
                await Console.Error.WriteLineAsync($"error: control plane unreachable at {client.BaseAddress}");
                return ExitCodes.Unreachable;
            }

            if (!list.IsSuccess)
            {
                await Console.Error.WriteLineAsync($"error: {list.Error}");
                return ExitCodes.Invalid;
            }

            var pods = (list.Body?["items"]?.AsArray() ?? []).OfType<JsonNode>()
                .Where(i => i["spec"]?["workload"]?.ToString() == name)
                .OrderBy(i => i["metadata"]?["name"]?.ToString(), StringComparer.Ordinal)
                .ToList();
            if (pods.Count == 0)
            {
                await Console.Error.WriteLineAsync($"error: no instances of workload '{name}' in namespace '{parse.GetValue(ns)}'");
                return ExitCodes.Failed;
            }

            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
            var code = ExitCodes.Ok;
            for (var i = 0; i < pods.Count; i++)
            {
                var pod = pods[i];
                Console.Out.Write($"#\n# POD {pod["metadata"]?["name"]} ({i + 1} of {pods.Count})\n#\n");
                var port = pod["spec"]?["proxyAdminPort"]?.GetValue<int>() ?? 0;
                if (!IPAddress.TryParse(pod["spec"]?["address"]?.ToString(), out var address) || port is < 1 or > 65535)
                {
                    await Console.Error.WriteLineAsync($"error: {pod["metadata"]?["name"]} has no proxy admin address");
                    code = ExitCodes.Failed;
                    continue;
                }

                try
                {
                    Console.Out.Write(await http.GetStringAsync(new Uri($"http://{new IPEndPoint(address, port)}/metrics"), cancellationToken));
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    await Console.Error.WriteLineAsync($"error: {pod["metadata"]?["name"]}: {ex.Message}");
                    code = ExitCodes.Failed;
                }
            }

            return code;
        });
        return new Command("diagnostics", "Low-level views of the mesh.") { proxyMetrics };
    }
}
