using System.Globalization;
using System.Text.Json.Nodes;

namespace Linnet.Cli.Commands.Stat;

/// <summary>Figures printed as Linkerd's CLI prints them: <c>100.00%</c>, <c>1.5rps</c>, <c>3ms</c>, <c>-</c> for none.</summary>
internal static class TrafficFormat
{
    public static string Success(JsonNode? row) => row?["successRate"]?.GetValue<double>() is { } rate ? (rate * 100).ToString("F2", CultureInfo.InvariantCulture) + "%" : "-";

    public static string Rps(JsonNode? row) => row?["requests"]?.GetValue<double>() > 0 ? row!["rps"]!.GetValue<double>().ToString("0.0##", CultureInfo.InvariantCulture) + "rps" : "-";

    public static string Latency(JsonNode? row, string field) => row?[field]?.GetValue<double>() is { } ms ? ms.ToString(ms < 10 ? "0.##" : "0", CultureInfo.InvariantCulture) + "ms" : "-";

    public static string Text(JsonNode? node) => Spectre.Console.Markup.Escape(node?.ToString() ?? "");
}
