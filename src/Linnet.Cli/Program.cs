using System.CommandLine;
using Linnet.Cli;
using Linnet.Cli.Commands.Apply;
using Linnet.Cli.Commands.Check;
using Linnet.Cli.Commands.Dashboard;
using Linnet.Cli.Commands.ControlPlane;
using Linnet.Cli.Commands.Delete;
using Linnet.Cli.Commands.Diagnostics;
using Linnet.Cli.Commands.Down;
using Linnet.Cli.Commands.Edges;
using Linnet.Cli.Commands.Describe;
using Linnet.Cli.Commands.Demo;
using Linnet.Cli.Commands.Get;
using Linnet.Cli.Commands.Inject;
using Linnet.Cli.Commands.Install;
using Linnet.Cli.Commands.LoadTester;
using Linnet.Cli.Commands.Logs;
using Linnet.Cli.Commands.Routes;
using Linnet.Cli.Commands.Stat;
using Linnet.Cli.Commands.Tap;
using Linnet.Cli.Commands.Top;
using Linnet.Cli.Commands.Token;
using Linnet.Cli.Commands.Up;

var root = new RootCommand("linnet: the Linnet service mesh command line.")
{
    CliOptions.Api,
    CliOptions.DataDir,
    CliOptions.Token,
    UpCommand.Create(),
    DownCommand.Create(),
    ControlPlaneCommand.Create(),
    ApplyCommand.Create(),
    GetCommand.Create(),
    DeleteCommand.Create(),
    DescribeCommand.Create(),
    LogsCommand.Create(),
    CheckCommand.Create(),
    StatCommand.Create(),
    EdgesCommand.Create(),
    TapCommand.Create(),
    TopCommand.Create(),
    RoutesCommand.Create(),
    DiagnosticsCommand.Create(),
    DemoCommand.Create(),
    TokenCommand.Create(),
    DashboardCommand.Create(),
    Linnet.Cli.Commands.Canary.CanaryCommand.Create(),
    Linnet.Cli.Commands.Approvals.ApprovalsCommand.Create(),
    Linnet.Cli.Commands.ImageUpdates.ImageUpdatesCommand.Create(),
    LoadTesterCommand.Create(),
    InstallCommand.Create(),
    InjectCommand.Create(),
};
var parse = root.Parse(args);

// Argument errors exit 2 (ExitCodes.Invalid), in JSON when JSON was asked for; System.CommandLine's own
// answer is 1 with the help text.
if (parse.Errors.Count > 0)
{
    UsageErrors.Print(parse, Console.Error);
    return ExitCodes.Invalid;
}

// Commands that run until stopped handle SIGINT/SIGTERM themselves (Processes.Termination): stop every
// instance, a second signal forces. System.CommandLine's handler would give up after 2 s and exit, leaving
// the instances running, so it is off; short commands keep the runtime's default (exit at once).
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
