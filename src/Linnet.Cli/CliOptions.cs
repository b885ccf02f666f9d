using System.CommandLine;
using Linnet.Cli.Api;
using Linnet.Cli.Output;
using Spectre.Console;

namespace Linnet.Cli;

/// <summary>Options every command shares, and the objects built from them.</summary>
internal static class CliOptions
{
    public static readonly Option<string> Api = new("--api")
    {
        Description = "The control plane's HTTP API.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("LINNET_API") ?? ControlPlaneClient.DefaultAddress,
        Recursive = true,
    };

    public static readonly Option<string> DataDir = new("--data-dir")
    {
        Description = "Where universal mode keeps its store, instance folders and logs.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("LINNET_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".linnet"),
        Recursive = true,
    };

    public static Option<string> Namespace() => new("--namespace", "-n") { Description = "The namespace.", DefaultValueFactory = _ => "default" };

    public static Option<OutputFormat> Output() => new("--output", "-o") { Description = "table, json or yaml.", DefaultValueFactory = _ => OutputFormat.Table };

    public static ControlPlaneClient Client(ParseResult parse) => ControlPlaneClient.Create(parse.GetValue(Api)!);

    public static Printer Printer(ParseResult parse, Option<OutputFormat> output) => new(AnsiConsole.Console, parse.GetValue(output));
}
