using System.CommandLine;
using Linnet.Api.Tap;
using Linnet.Cli.Commands.Stat;
using Linnet.Cli.Commands.Tap;
using Spectre.Console;

namespace Linnet.Cli.Commands.Top;

/// <summary>Builds <c>linnet top</c> (Linkerd's): a live table, redrawn as requests arrive, of the busiest
/// source/destination/method/path combinations a tap sees — count, best, worst and last latency, success rate.
/// Takes tap's filters; runs until Ctrl+C.</summary>
internal static class TopCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("resource") { Description = "What to watch: deploy/NAME, po/NAME or ns/NAME." };
        var ns = CliOptions.Namespace();
        var to = new Option<string?>("--to") { Description = "Only requests to this workload (deploy/name)." };
        var toNamespace = new Option<string?>("--to-namespace") { Description = "The namespace of --to." };
        var method = new Option<string?>("--method") { Description = "Only requests with this HTTP method." };
        var authority = new Option<string?>("--authority") { Description = "Only requests with this :authority." };
        var path = new Option<string?>("--path") { Description = "Only requests whose path starts with this." };
        var maxRps = new Option<double>("--max-rps") { Description = "Requests per second to sample at most.", DefaultValueFactory = _ => TapDefaults.MaxRps };
        var rows = new Option<int>("--rows") { Description = "Lines to show.", DefaultValueFactory = _ => 20 };
        var command = new Command("top", "A live table of the busiest paths through the proxies of a workload, instance or namespace.")
        {
            target, ns, to, toNamespace, method, authority, path, maxRps, rows,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var text = parse.GetValue(target)!;
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            var request = new TapRequest(
                Resource: slash < 0 ? text : text[..slash],
                Name: slash < 0 ? null : text[(slash + 1)..],
                Namespace: parse.GetValue(ns)!,
                To: StatCommand.WorkloadArgument(parse.GetValue(to)),
                ToNamespace: parse.GetValue(toNamespace),
                Method: parse.GetValue(method),
                Authority: parse.GetValue(authority),
                Path: parse.GetValue(path),
                MaxRps: parse.GetValue(maxRps),
                Reveal: false);
            var limit = Math.Max(1, parse.GetValue(rows));
            var table = new TopTable();
            var exit = ExitCodes.Ok;
            await AnsiConsole.Live(table.Render(limit)).AutoClear(false).StartAsync(async live =>
            {
                exit = await TapHandler.StreamEventsAsync(CliOptions.Client(parse), request, Console.Error, e =>
                {
                    table.Add(e);
                    live.UpdateTarget(table.Render(limit));
                    return true;
                }, cancellationToken);
            });
            return exit;
        });
        return command;
    }
}
