using System.CommandLine;
using Linnet.Api.Tap;
using Linnet.Cli.Commands.Stat;

namespace Linnet.Cli.Commands.Tap;

/// <summary>What to tap and which requests, as Linkerd's <c>tap</c> and <c>top</c> both take it: the resource
/// (<c>deploy/NAME</c>, <c>po/NAME</c>, <c>ns/NAME</c>), <c>--to</c>, <c>--to-namespace</c>, <c>--method</c>,
/// <c>--authority</c>, <c>--path</c> and <c>--max-rps</c>; one definition for both commands.</summary>
internal sealed class TapFilterOptions(string targetDescription, string maxRpsDescription)
{
    public Argument<string> Target { get; } = new("resource") { Description = targetDescription };

    public Option<string> Namespace { get; } = CliOptions.Namespace();

    public Option<string?> To { get; } = new("--to") { Description = "Only requests to this workload (deploy/name)." };

    public Option<string?> ToNamespace { get; } = new("--to-namespace") { Description = "The namespace of --to (default: --namespace); alone: only requests to this namespace." };

    public Option<string?> Method { get; } = new("--method") { Description = "Only requests with this HTTP method." };

    public Option<string?> Authority { get; } = new("--authority") { Description = "Only requests with this :authority." };

    public Option<string?> Path { get; } = new("--path") { Description = "Only requests whose path starts with this." };

    public Option<double> MaxRps { get; } = new("--max-rps") { Description = maxRpsDescription, DefaultValueFactory = _ => TapDefaults.MaxRps };

    /// <summary>Adds the argument and every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Arguments.Add(Target);
        foreach (var option in (Option[])[Namespace, To, ToNamespace, Method, Authority, Path, MaxRps])
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The tap asked for on the command line.</summary>
    public TapRequest Request(ParseResult parse, bool reveal)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var text = parse.GetValue(Target)!;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return new TapRequest(
            Resource: slash < 0 ? text : text[..slash],
            Name: slash < 0 ? null : text[(slash + 1)..],
            Namespace: parse.GetValue(Namespace)!,
            To: StatCommand.WorkloadArgument(parse.GetValue(To)),
            ToNamespace: parse.GetValue(ToNamespace),
            Method: parse.GetValue(Method),
            Authority: parse.GetValue(Authority),
            Path: parse.GetValue(Path),
            MaxRps: parse.GetValue(MaxRps),
            Reveal: reveal);
    }
}
