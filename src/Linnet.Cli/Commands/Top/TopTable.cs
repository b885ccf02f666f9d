using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Linnet.Cli.Commands.Top;

/// <summary>The figures of <c>linnet top</c>, built from tap events as Linkerd's top is: per source, destination,
/// method and path, the count, the best, worst and last latency (request start to response end), and the share
/// that succeeded (status below 500 and, for gRPC, status OK).</summary>
internal sealed class TopTable
{
    private readonly Dictionary<(string, string, string, string), TopRow> _rows = [];

    public IReadOnlyCollection<TopRow> Rows => _rows.Values;

    public void Add(JsonNode e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var source = Peer(e["sourceMeta"], e["source"]);
        var destination = Peer(e["destinationMeta"], e["destination"]);
        var path = Text(e["path"]);
        var query = path.IndexOf('?', StringComparison.Ordinal);
        var key = (source, destination, Text(e["method"]), query < 0 ? path : path[..query]);
        if (!_rows.TryGetValue(key, out var row))
        {
            _rows[key] = row = new TopRow(key.Item1, key.Item2, key.Item3, key.Item4);
        }

        var latency = Number(e["responseEndMicros"]);
        var status = Number(e["status"]);
        var grpcOk = e["grpcStatus"] is not { } grpc || Number(grpc) == 0;
        row.Count++;
        row.Successes += status is > 0 and < 500 && grpcOk && (e["endOfStream"]?.GetValue<bool>() ?? true) ? 1 : 0;
        row.BestMicros = Math.Min(row.BestMicros, latency);
        row.WorstMicros = Math.Max(row.WorstMicros, latency);
        row.LastMicros = latency;
    }

    /// <summary>The rows, busiest first, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<TopRow> Top(int limit) =>
        [.. _rows.Values.OrderByDescending(r => r.Count).ThenBy(r => r.Source, StringComparer.Ordinal).ThenBy(r => r.Destination, StringComparer.Ordinal).ThenBy(r => r.Path, StringComparer.Ordinal).Take(limit)];

    public Table Render(int limit)
    {
        var table = new Table().NoBorder().AddColumns("Source", "Destination", "Method", "Path", "Count", "Best", "Worst", "Last", "Success Rate");
        foreach (var row in Top(limit))
        {
            table.AddRow(Markup.Escape(row.Source), Markup.Escape(row.Destination), Markup.Escape(row.Method), Markup.Escape(row.Path),
                row.Count.ToString(CultureInfo.InvariantCulture), Duration(row.BestMicros), Duration(row.WorstMicros), Duration(row.LastMicros),
                string.Create(CultureInfo.InvariantCulture, $"{row.SuccessRate * 100:F2}%"));
        }

        return table;
    }

    /// <summary>Linkerd's top prints Go durations rounded to microseconds or milliseconds: 850µs, 12ms, 1.5s.</summary>
    public static string Duration(long micros) => micros switch
    {
        < 1000 => string.Create(CultureInfo.InvariantCulture, $"{micros}µs"),
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{micros / 1000}ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{micros / 1_000_000.0:0.###}s"),
    };

    // A pod's name when known, else the address.
    private static string Peer(JsonNode? meta, JsonNode? address) =>
        Text(meta?["pod"]) is { Length: > 0 } pod ? pod
        : Text(meta?["deployment"]) is { Length: > 0 } workload ? workload
        : Text(address);

    private static string Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

    private static long Number(JsonNode? node) =>
        node is not JsonValue v ? 0
        : v.TryGetValue<long>(out var n) ? n
        : v.TryGetValue<int>(out var i) ? i
        : v.TryGetValue<ulong>(out var u) ? (long)u
        : v.TryGetValue<uint>(out var ui) ? ui
        : 0;
}
