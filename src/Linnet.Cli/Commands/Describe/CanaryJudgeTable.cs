using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Linnet.Cli.Commands.Describe;

/// <summary>The sequential judge's decision and running statistics from a Canary's <c>status.judge</c>, for
/// <c>linnet describe canary</c>: the sentence alerts use, and per metric both sides' rates, the evidence of
/// harm against its rollback threshold and the bound on the difference against its promotion margin.</summary>
internal static class CanaryJudgeTable
{
    /// <summary>The table, or null when the canary is not judged sequentially (no <c>status.judge</c>).</summary>
    public static Table? From(JsonNode? judge)
    {
        if (judge is null)
        {
            return null;
        }

        var table = new Table()
            .Title(Markup.Escape($"Judge: {judge["verdict"]} after {judge["looks"]} looks (last {judge["lookedAt"]})"))
            .Caption(Markup.Escape($"{judge["message"]}"))
            .AddColumns("METRIC", "CANARY", "PRIMARY", "EVIDENCE OF HARM", "DIFFERENCE AT MOST", "MARGIN");
        foreach (var evidence in new[] { judge["failureRate"], judge["latency"] })
        {
            if (evidence is null)
            {
                continue;
            }

            var name = evidence["boundMs"] is { } bound ? $"slower than {bound} ms" : $"{evidence["metric"]}";
            table.AddRow(
                Markup.Escape(name),
                Markup.Escape($"{Percent(evidence["canaryRate"])} of {evidence["canaryTrials"]}"),
                Markup.Escape($"{Percent(evidence["primaryRate"])} of {evidence["primaryTrials"]}"),
                Markup.Escape($"{Number(evidence["eValue"])} of {Number(evidence["eValueThreshold"])}"),
                Markup.Escape(Points(evidence["differenceUpper"])),
                Markup.Escape(Points(evidence["margin"])));
        }

        if (judge["latency"] is null && judge["responsesUntilLatencyBound"] is { } until)
        {
            table.AddRow("latency", "-", "-", Markup.Escape($"not judged until the primary has {until} more responses"), "-", "-");
        }

        return table;
    }

    private static double Value(JsonNode? node) => node?.GetValue<double>() ?? 0;

    private static string Percent(JsonNode? node) => string.Create(CultureInfo.InvariantCulture, $"{Value(node) * 100:0.0} %");

    private static string Number(JsonNode? node) => Value(node) >= 1e6 ? "> 1e6" : Value(node).ToString("0.0", CultureInfo.InvariantCulture);

    private static string Points(JsonNode? node) => string.Create(CultureInfo.InvariantCulture, $"{Value(node) * 100:+0.0;-0.0;0.0} points");
}
