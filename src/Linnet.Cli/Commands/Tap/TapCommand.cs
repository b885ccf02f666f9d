using System.CommandLine;
using System.Globalization;
using Linnet.Api.Tap;
using Linnet.Cli.Commands.Stat;

namespace Linnet.Cli.Commands.Tap;

/// <summary>Builds <c>linnet tap</c>, in the shape of Linkerd's: <c>linnet tap deploy/web [--to deploy/backend]
/// [--method GET] [--authority a] [--path /p] [--max-rps 100] [-o wide|json]</c>; runs until Ctrl+C.</summary>
internal static class TapCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("resource") { Description = "What to tap: deploy/NAME (workload), po/NAME (instance) or ns/NAME (namespace)." };
        var ns = CliOptions.Namespace();
        var to = new Option<string?>("--to") { Description = "Only requests to this workload (deploy/name)." };
        var toNamespace = new Option<string?>("--to-namespace") { Description = "The namespace of --to (default: --namespace); alone: only requests to this namespace." };
        var method = new Option<string?>("--method") { Description = "Only requests with this HTTP method." };
        var authority = new Option<string?>("--authority") { Description = "Only requests with this :authority." };
        var path = new Option<string?>("--path") { Description = "Only requests whose path starts with this." };
        var maxRps = new Option<double>("--max-rps") { Description = "Requests per second to show at most.", DefaultValueFactory = _ => TapDefaults.MaxRps };
        var reveal = new Option<bool>("--show-secret-headers") { Description = "Show the values of authorization, cookie and other secret headers (redacted otherwise)." };
        var output = new Option<string>("--output", "-o") { Description = "wide or json (default: Linkerd's req/rsp/end lines).", DefaultValueFactory = _ => "" };
        var command = new Command("tap", "Watch live requests through the proxies of a workload, instance or namespace, with their headers.")
        {
            target, ns, to, toNamespace, method, authority, path, maxRps, reveal, output,
        };
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
                Reveal: parse.GetValue(reveal));
            return await TapHandler.RunAsync(CliOptions.Client(parse), request, format.Value, Console.Out, Console.Error, null, cancellationToken);
        });
        return command;
    }
}
