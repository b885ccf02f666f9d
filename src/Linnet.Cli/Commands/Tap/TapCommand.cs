using System.CommandLine;
using System.Globalization;

namespace Linnet.Cli.Commands.Tap;

/// <summary>Builds <c>linnet tap</c>, in the shape of Linkerd's: <c>linnet tap deploy/web [--to deploy/backend]
/// [--method GET] [--authority a] [--path /p] [--max-rps 100] [-o wide|json]</c>; runs until Ctrl+C.</summary>
internal static class TapCommand
{
    public static Command Create()
    {
        var filter = new TapFilterOptions("What to tap: deploy/NAME (workload), po/NAME (instance) or ns/NAME (namespace).", "Requests per second to show at most.");
        var reveal = new Option<bool>("--show-secret-headers") { Description = "Show the values of authorization, cookie and other secret headers (redacted otherwise)." };
        var output = new Option<string>("--output", "-o") { Description = "wide or json (default: Linkerd's req/rsp/end lines).", DefaultValueFactory = _ => "" };
        var command = new Command("tap", "Watch live requests through the proxies of a workload, instance or namespace, with their headers.")
        {
            reveal, output,
        };
        filter.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var format = parse.GetValue(output) switch
            {
                "" => TapOutput.Default,
                "wide" => TapOutput.Wide,
                "json" => TapOutput.Json,
                var other => (TapOutput?)null,
            };
            if (format is null)
            {
                await Console.Error.WriteLineAsync($"error: --output: '{parse.GetValue(output)}' is not wide or json");
                return ExitCodes.Invalid;
            }

            var request = filter.Request(parse, parse.GetValue(reveal));
            return await TapHandler.RunAsync(CliOptions.Client(parse), request, format.Value, Console.Out, Console.Error, null, cancellationToken);
        });
        return command;
    }
}
