using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Linnet.Cli.Commands.Check;

/// <summary>Builds <c>linnet check</c>: is the control plane reachable, and is every instance's proxy
/// connected, ready, and on the newest config? Exit 0 only when everything holds.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var command = new Command("check", "Check the control plane and every proxy.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var console = AnsiConsole.Console;
            var client = CliOptions.Client(parse);
            if (await client.HealthAsync(cancellationToken) is null)
            {
                console.MarkupLineInterpolated($"[red]✗[/] control plane reachable at {client.BaseAddress}");
                return ExitCodes.Unreachable;
            }

            console.MarkupLineInterpolated($"[green]✓[/] control plane reachable at {client.BaseAddress}");
            var proxies = (await client.ProxiesAsync(cancellationToken)).Body;
            var instances = (await client.ListAsync("Instance", null, cancellationToken)).Body?["items"]?.AsArray() ?? [];
            // One instance may show up twice for a moment (a replaced proxy whose stream has not ended yet): the newest counts.
            var connected = (proxies?["proxies"]?.AsArray() ?? []).OfType<JsonNode>()
                .GroupBy(p => $"{p["namespace"]}/{p["instance"]}")
                .ToDictionary(g => g.Key, g => g.MaxBy(p => p["connectedSince"]?.ToString(), StringComparer.Ordinal)!);
            var revision = proxies?["revision"]?.ToString();
            using var admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(3) };
            var table = new Table().AddColumns("INSTANCE", "CONNECTED", "READY", "CONFIG VERSION", "");
            var ok = true;
            foreach (var instance in instances.OfType<JsonNode>())
            {
                var key = $"{instance["metadata"]?["namespace"]}/{instance["metadata"]?["name"]}";
                var spec = instance["spec"];
                var isConnected = connected.ContainsKey(key);
                var ready = false;
                var version = "";
                try
                {
                    var baseUri = new Uri($"http://{spec?["address"]}:{spec?["proxyAdminPort"]}");
                    using var readyResponse = await admin.GetAsync(new Uri(baseUri, "/ready"), cancellationToken);
                    ready = readyResponse.IsSuccessStatusCode;
                    version = (await admin.GetStringAsync(new Uri(baseUri, "/config-version"), cancellationToken)).Trim();
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    version = "unreachable";
                }

                // Current: the control plane has sent this proxy the newest view, and the proxy applied it.
                var sent = isConnected ? connected[key]["version"]?.ToString() : null;
                var current = isConnected && connected[key]["upToDate"]?.GetValue<bool>() == true && version == sent;
                var good = isConnected && ready && current;
                ok &= good;
                table.AddRow(Markup.Escape(key), Mark(isConnected), Mark(ready), Markup.Escape(version), good ? "[green]✓[/]" : $"[red]✗[/] {(current ? "" : $"control plane sent {Markup.Escape(sent ?? "nothing")}")}");
            }

            console.Write(table);

            // An instance on a loopback address shares the host: its ports are open to every local process.
            var shared = instances.OfType<JsonNode>().Count(i => System.Net.IPAddress.TryParse(i["spec"]?["address"]?.ToString(), out var a) && System.Net.IPAddress.IsLoopback(a));
            if (shared > 0)
            {
                console.MarkupLineInterpolated($"[yellow]![/] {shared} instance(s) are not isolated: they share the host's network and user (run the control plane as root for a network namespace and uid each)");
            }

            console.MarkupLine(ok ? $"[green]✓[/] {instances.Count} proxies connected, ready and on the newest config (store revision {Markup.Escape(revision ?? "")})" : "[red]✗[/] some proxies are not connected, ready or current");
            return ok ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static string Mark(bool value) => value ? "[green]yes[/]" : "[red]no[/]";
}
