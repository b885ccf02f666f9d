using System.CommandLine;
using System.Text.Json.Nodes;

namespace Linnet.Cli;

/// <summary>Prints argument errors: plain lines with a pointer to <c>--help</c>, or, when the command line asks
/// for <c>-o json</c>, one JSON object (<c>{"error": ..., "errors": [...]}</c>) so that scripts parse failures too.</summary>
internal static class UsageErrors
{
    public static void Print(ParseResult parse, TextWriter error)
    {
        var messages = parse.Errors.Select(e => e.Message).ToList();
        if (AsksForJson(parse.Tokens.Select(t => t.Value).ToList()))
        {
            var json = new JsonObject
            {
                ["error"] = string.Join("; ", messages),
                ["errors"] = new JsonArray([.. messages.Select(m => (JsonNode?)JsonValue.Create(m))]),
                ["exitCode"] = ExitCodes.Invalid,
            };
            error.WriteLine(json.ToJsonString());
            return;
        }

        foreach (var message in messages)
        {
            error.WriteLine($"error: {message}");
        }

        var names = CommandPath(parse.CommandResult);
        error.WriteLine($"See '{string.Join(' ', names.Prepend("linnet"))} --help'.");
    }

    /// <summary>True when the tokens hold <c>-o json</c>, <c>--output json</c>, <c>-ojson</c> or <c>--output=json</c>.</summary>
    public static bool AsksForJson(IReadOnlyList<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if ((t is "-o" or "--output") && i + 1 < tokens.Count && tokens[i + 1].Equals("json", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (t.Equals("-ojson", StringComparison.OrdinalIgnoreCase) || t.Equals("--output=json", StringComparison.OrdinalIgnoreCase) || t.Equals("-o=json", StringComparison.OrdinalIgnoreCase) || t.Equals("-o:json", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static Stack<string> CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new Stack<string>();
        for (var r = result; r?.Parent is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Push(r.Command.Name);
        }

        return names;
    }
}
