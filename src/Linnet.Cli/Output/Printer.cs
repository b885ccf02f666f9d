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
                WidenWhenRedirected(console);
                console.Write(table());
                break;
        }
    }

    /// <summary>Tables are wide; when the output is not a terminal (a pipe, a file), they are printed whole, as kubectl
    /// and linkerd print them, rather than wrapped at the default 80 columns.</summary>
    public static void WidenWhenRedirected(IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (System.Console.IsOutputRedirected && console.Profile.Width < 200)
        {
            console.Profile.Width = 200;
        }
    }

    /// <summary>Errors go to stderr, never wrapped, so scripts and people read them whole: plain lines for
    /// tables, one JSON object per error (<c>{"error": "..."}</c>) for <c>-o json</c>, a YAML mapping for <c>-o yaml</c>.</summary>
    public void Error(string message)
    {
        var writer = errors ?? System.Console.Error;
        switch (format)
        {
            case OutputFormat.Json:
                writer.WriteLine(new JsonObject { ["error"] = message }.ToJsonString());
                break;
            case OutputFormat.Yaml:
                writer.Write(YamlWriter.Write(new JsonObject { ["error"] = message }));
                break;
            default:
                writer.WriteLine($"error: {message}");
                break;
        }
    }

    /// <summary>A line for people (a summary, a hint); left out of JSON and YAML output, which scripts parse.</summary>
    public void Note(string markup)
    {
        if (format == OutputFormat.Table)
        {
            console.MarkupLine(markup);
        }
    }

    /// <summary>Warnings go to stderr like errors, in every output format, so that stdout stays the result.</summary>
    public void Warning(string message) => (errors ?? System.Console.Error).WriteLine($"warning: {message}");
}
