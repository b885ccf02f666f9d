using System.CommandLine;
using Linnet.Api.Yaml;
using Spectre.Console;

namespace Linnet.Cli.Commands.Demo;

/// <summary>Builds the <c>demo</c> command.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var duration = new Option<string?>("--duration") { Description = "Stop after this long (for example 30s, 2m); default: until Ctrl-C." };
        var refresh = new Option<string>("--refresh") { Description = "How often the live figures are redrawn.", DefaultValueFactory = _ => "2s" };
        var noRollout = new Option<bool>("--no-rollout") { Description = "Do not run the releases (a Flagger Canary for backend, a good v2 promoted, a bad v3 rolled back); just the mesh and its figures." };
        var isolation = new ControlPlane.IsolationFlags();
        var command = new Command("demo", "Run the sample mesh in universal mode on this machine, show its traffic live, and release two versions of its backend through a canary.") { duration, refresh, noRollout };
        foreach (var option in isolation.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            TimeSpan? runFor = null;
            if (parse.GetValue(duration) is { } text)
            {
                if (!DurationParser.TryParse(text, out var parsed) || parsed <= TimeSpan.Zero)
                {
                    await Console.Error.WriteLineAsync($"--duration: '{text}' is not a duration such as 30s or 2m");
                    return 2;
                }

                runFor = parsed;
            }

            if (!DurationParser.TryParse(parse.GetValue(refresh)!, out var every) || every <= TimeSpan.Zero)
            {
                await Console.Error.WriteLineAsync("--refresh: not a duration such as 2s");
                return 2;
            }

            if (!isolation.TryParse(parse, out var pods, out var notIsolated, out var error))
            {
                await Console.Error.WriteLineAsync(error);
                return ExitCodes.Invalid;
            }

            var handler = new DemoHandler(AnsiConsole.Console, TimeProvider.System, parse.GetValue(CliOptions.DataDir)!);
            return await handler.RunAsync(new DemoOptions(runFor, every) { Isolation = pods, NotIsolated = notIsolated, Rollout = !parse.GetValue(noRollout) }, cancellationToken);
        });
        return command;
    }
}
