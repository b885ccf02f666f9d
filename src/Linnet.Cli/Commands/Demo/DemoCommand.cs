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
        var rps = new Option<int>("--rps") { Description = "Requests per second the load generator offers.", DefaultValueFactory = _ => 40 };
        var refresh = new Option<string>("--refresh") { Description = "How often to print the live table.", DefaultValueFactory = _ => "2s" };
        var command = new Command("demo", "Run a sample app behind linnet-proxy, send it traffic, and show the proxy's metrics.") { duration, rps, refresh };
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

            if (parse.GetValue(rps) is var rate && rate is < 1 or > 10_000)
            {
                await Console.Error.WriteLineAsync("--rps: must be 1..10000");
                return 2;
            }

            var handler = new DemoHandler(AnsiConsole.Console, TimeProvider.System);
            return await handler.RunAsync(new DemoOptions(runFor, rate, every), cancellationToken);
        });
        return command;
    }
}
