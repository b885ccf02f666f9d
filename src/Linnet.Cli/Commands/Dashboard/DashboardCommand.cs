using System.CommandLine;

namespace Linnet.Cli.Commands.Dashboard;

/// <summary>Builds <c>linnet dashboard [--open]</c>.</summary>
internal static class DashboardCommand
{
    public static Command Create()
    {
        var open = new Option<bool>("--open") { Description = "Also open the URL in a browser (xdg-open)." };
        var output = CliOptions.Output();
        var command = new Command("dashboard", "Print the dashboard's URL with a one-time sign-in code (valid once, for 2 minutes); the browser exchanges it for a session cookie.")
        {
            open, output,
        };
        command.SetAction((parse, cancellationToken) =>
            new DashboardHandler(CliOptions.Client(parse), CliOptions.Printer(parse, output), Opener.XdgOpen)
                .RunAsync(parse.GetValue(open), cancellationToken));
        return command;
    }
}
