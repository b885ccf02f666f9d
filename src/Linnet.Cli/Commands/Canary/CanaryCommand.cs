using System.CommandLine;

namespace Linnet.Cli.Commands.Canary;

/// <summary>Builds <c>linnet canary promote|abort|pause|resume|rollback NAME</c>.</summary>
internal static class CanaryCommand
{
    private static readonly (string Action, string Description)[] Actions =
    [
        ("promote", "Skip the remaining steps and promote the canary now (Flagger's promotion path)."),
        ("abort", "Stop the analysis and route all traffic to the primary; the canary fails."),
        ("pause", "Hold the canary at its current weight: no analysis, no step, until resumed."),
        ("resume", "Continue a paused canary."),
        ("rollback", "During an analysis, as abort; after a promotion, within analysis.rollbackWindow, move all traffic back to the previous primary (kept warm) at once."),
    ];

    public static Command Create()
    {
        var command = new Command("canary", "Manual control of a canary release; recorded on the Canary's status with who and when.");
        foreach (var (action, description) in Actions)
        {
            var name = new Argument<string>("name") { Description = "The Canary's name." };
            var ns = CliOptions.Namespace();
            var verb = new Command(action, description) { name, ns };
            verb.SetAction((parse, cancellationToken) =>
                new CanaryActionHandler(CliOptions.Client(parse), TimeProvider.System, Console.Out, Console.Error)
                    .RunAsync(parse.GetValue(ns)!, parse.GetValue(name)!, action, cancellationToken));
            command.Subcommands.Add(verb);
        }

        return command;
    }
}
