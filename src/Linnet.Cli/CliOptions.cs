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

    public static readonly Option<string?> Token = new("--token")
    {
        Description = "The control plane's admin credential (default: LINNET_TOKEN, else the admin-token file in --data-dir).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("LINNET_TOKEN"),
        Recursive = true,
    };

    public static Option<string> Namespace() => new("--namespace", "-n") { Description = "The namespace.", DefaultValueFactory = _ => "default" };

    public static Option<OutputFormat> Output() => new("--output", "-o") { Description = "table, json or yaml.", DefaultValueFactory = _ => OutputFormat.Table };

    public static ControlPlaneClient Client(ParseResult parse) => ControlPlaneClient.Create(parse.GetValue(Api)!, Credential(parse));

    /// <summary>The admin credential: --token / LINNET_TOKEN, else the data directory's file, read at each
    /// request (so a client made before <c>up</c> created the file still finds it).</summary>
    public static Func<string?> Credential(ParseResult parse)
    {
        var explicitToken = parse.GetValue(Token);
        if (!string.IsNullOrWhiteSpace(explicitToken))
        {
            return () => explicitToken.Trim();
        }

        var file = Path.Combine(parse.GetValue(DataDir)!, Linnet.ControlPlane.Security.AdminCredential.FileName);
        return () => ControlPlaneClient.ReadTokenFile(file);
    }

    public static Printer Printer(ParseResult parse, Option<OutputFormat> output) => new(AnsiConsole.Console, parse.GetValue(output));
}
