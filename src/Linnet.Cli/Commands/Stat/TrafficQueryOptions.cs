using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Linnet.Cli.Commands.Stat;

/// <summary>What <c>stat</c>, <c>edges</c> and <c>routes</c> all take, as Linkerd's viz commands do — <c>-n</c>,
/// <c>-A</c>, <c>-t</c>, <c>-o</c> — and how they all ask the control plane's traffic API and print its answer; one
/// definition for the three.</summary>
internal sealed class TrafficQueryOptions(string windowDescription)
{
    public Option<string> Namespace { get; } = CliOptions.Namespace();

    public Option<bool> AllNamespaces { get; } = new("--all-namespaces", "-A") { Description = "Every namespace." };

    public Option<string> Window { get; } = new("--time-window", "-t") { Description = windowDescription, DefaultValueFactory = _ => "1m" };

    public Option<Output.OutputFormat> Output { get; } = CliOptions.Output();

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in (Option[])[Namespace, AllNamespaces, Window, Output])
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The namespace to ask about: null with <c>-A</c>.</summary>
    public string? NamespaceFilter(ParseResult parse) => parse.GetValue(AllNamespaces) ? null : parse.GetValue(Namespace);

    /// <summary>Asks <c>/api/v1/&lt;path&gt;</c> with the namespace, the window and <paramref name="query"/>, and prints
    /// the answer (a table from <paramref name="table"/>, or JSON/YAML); the exit code as documented.</summary>
    public async Task<int> RunAsync(ParseResult parse, string path, IEnumerable<KeyValuePair<string, string?>> query, Func<JsonNode?, Table> table, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var printer = CliOptions.Printer(parse, Output);
        var client = CliOptions.Client(parse);
        var response = await client.QueryAsync(path, [new("namespace", NamespaceFilter(parse)), .. query, new("window", parse.GetValue(Window))], cancellationToken);
        if (response is null)
        {
            printer.Error($"control plane unreachable at {client.BaseAddress}");
            return ExitCodes.Unreachable;
        }

        if (!response.IsSuccess)
        {
            printer.Error(response.Error);
            return (int)response.Status is >= 400 and < 500 ? ExitCodes.Invalid : ExitCodes.Failed;
        }

        printer.Print(response.Body, () => table(response.Body));
        return ExitCodes.Ok;
    }
}
