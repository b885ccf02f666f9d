using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Linnet.Cli.Output;

/// <summary>Prints results in the chosen format.</summary>
internal sealed class Printer(IAnsiConsole console, OutputFormat format, TextWriter? errors = null)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public OutputFormat Format => format;

    public IAnsiConsole Console => console;

    /// <summary>Prints <paramref name="data"/> as JSON or YAML; for tables, calls <paramref name="table"/>.</summary>
    public void Print(JsonNode? data, Func<Table> table)
    {
        switch (format)
        {
            case OutputFormat.Json:
                console.Profile.Out.Writer.WriteLine(data?.ToJsonString(Indented) ?? "null");
                break;
            case OutputFormat.Yaml:
                console.Profile.Out.Writer.Write(YamlWriter.Write(data));
                break;
            default:
                console.Write(table());
                break;
        }
    }

    /// <summary>Errors go to stderr as plain lines, never wrapped, so scripts and people read them whole.</summary>
    public void Error(string message) => (errors ?? System.Console.Error).WriteLine($"error: {message}");

    /// <summary>Warnings go to stderr like errors, in every output format, so that stdout stays the result.</summary>
    public void Warning(string message) => (errors ?? System.Console.Error).WriteLine($"warning: {message}");
}
