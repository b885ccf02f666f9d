using System.CommandLine;
using Linnet.Cli.Commands.Tap;
using Linnet.Cli.Processes;
using Spectre.Console;

namespace Linnet.Cli.Commands.Top;

/// <summary>Builds <c>linnet top</c> (Linkerd's): a live table, redrawn as requests arrive, of the busiest
/// source/destination/method/path combinations a tap sees — count, best, worst and last latency, success rate.
/// Takes tap's filters; runs until Ctrl+C, which ends it with exit code 0.</summary>
internal static class TopCommand
{
    public static Command Create()
    {
        var filter = new TapFilterOptions("What to watch: deploy/NAME, po/NAME or ns/NAME.", "Requests per second to sample at most.");
        var rows = new Option<int>("--rows") { Description = "Lines to show.", DefaultValueFactory = _ => 20 };
        var command = new Command("top", "A live table of the busiest paths through the proxies of a workload, instance or namespace.")
        {
            rows,
        };
        filter.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var request = filter.Request(parse, reveal: false);
            var limit = Math.Max(1, parse.GetValue(rows));
            var table = new TopTable();
            var exit = ExitCodes.Ok;

            // Ctrl-C is how a person leaves top (as Linkerd's): it ends the stream, the live display puts the
            // cursor back and leaves the last table on the screen, and the command succeeds. Without this the
            // runtime's default would kill the process mid-render, the terminal's cursor still hidden.
            using var termination = new Termination(cancellationToken);
            await AnsiConsole.Live(table.Render(limit)).AutoClear(false).StartAsync(async live =>
            {
                exit = await TapHandler.StreamEventsAsync(CliOptions.Client(parse), request, Console.Error, e =>
                {
                    table.Add(e);
                    live.UpdateTarget(table.Render(limit));
                    return true;
                }, termination.Stopping);
            });
            return exit;
        });
        return command;
    }
}
