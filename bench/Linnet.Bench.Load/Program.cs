using System.Globalization;
using System.Net;
using System.Text.Json;
using Linnet.Bench.Load;

// linnet-bench-load --url URL --rps N --duration SECONDS [--http2] [--connections 32] [--timeout SECONDS]
//     Open-loop fixed-rate load; prints one JSON object {sent, ok, errors, p50_ms, p90_ms, p99_ms, max_ms, ...}.
// linnet-bench-load startup (--ready-url URL | --tcp HOST:PORT) [--timeout SECONDS] -- FILE [ARGS...]
//     Starts FILE, polls every 1 ms until ready, kills it; prints {"ready_ms": ...}. Exit 1 if never ready.
// linnet-bench-load routing [--duration SECONDS] [--connections 8] [--rounds 1]
//     Routing cost in-process: plain proxy vs 1 route, 1,000 routes, 5-way split; prints a markdown table.
const double MaxDurationSeconds = 600;
const double MaxRps = 100_000;

try
{
    return args switch
    {
        ["startup", .. var rest] => await StartupAsync(rest),
        ["routing", .. var rest] => await RoutingCost.RunAsync(Number(rest, "--duration", 10), (int)Number(rest, "--connections", 8), (int)Number(rest, "--rounds", 1)),
        _ => await LoadAsync(args),
    };
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync($"linnet-bench-load: {ex.Message}");
    return 2;
}

static async Task<int> LoadAsync(string[] args)
{
    var url = new Uri(Value(args, "--url") ?? throw new ArgumentException("--url is required"));
    var rps = Number(args, "--rps", 1000);
    var duration = Number(args, "--duration", 10);
    if (rps is <= 0 or > MaxRps || duration is <= 0 or > MaxDurationSeconds)
    {
        throw new ArgumentException($"--rps must be in (0, {MaxRps}] and --duration in (0, {MaxDurationSeconds}] seconds");
    }

    var options = new LoadOptions(
        url,
        rps,
        duration,
        Http2: args.Contains("--http2"),
        Connections: (int)Number(args, "--connections", 32),
        Timeout: TimeSpan.FromSeconds(Number(args, "--timeout", 5)));
    using var load = new FixedRateLoad(options);
    var result = await load.RunAsync();
    WriteJson(writer =>
    {
        writer.WriteNumber("sent", result.Sent);
        writer.WriteNumber("ok", result.Ok);
        writer.WriteNumber("errors", result.Errors);
        writer.WriteNumber("non_200", result.Non200);
        WriteMs(writer, "p50_ms", result.P50Ms);
        WriteMs(writer, "p90_ms", result.P90Ms);
        WriteMs(writer, "p99_ms", result.P99Ms);
        WriteMs(writer, "max_ms", result.MaxMs);
        WriteMs(writer, "max_dispatch_lag_ms", result.MaxDispatchLagMs);
        writer.WriteString("first_error", result.FirstError);
    });
    return 0;
}

static async Task<int> StartupAsync(string[] args)
{
    var separator = Array.IndexOf(args, "--");
    if (separator < 0 || separator == args.Length - 1)
    {
        throw new ArgumentException("startup needs '-- FILE [ARGS...]'");
    }

    var own = args[..separator];
    var readyUrl = Value(own, "--ready-url") is { } u ? new Uri(u) : null;
    var tcp = Value(own, "--tcp") is { } t ? IPEndPoint.Parse(t) : null;
    if ((readyUrl is null) == (tcp is null))
    {
        throw new ArgumentException("startup needs exactly one of --ready-url or --tcp");
    }

    var options = new StartupOptions(readyUrl, tcp, args[separator + 1], args[(separator + 2)..], TimeSpan.FromSeconds(Math.Min(Number(own, "--timeout", 10), 60)));
    var readyMs = await StartupTimer.MeasureAsync(options);
    WriteJson(writer => WriteMs(writer, "ready_ms", readyMs ?? double.NaN));
    return readyMs is null ? 1 : 0;
}

static string? Value(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static double Number(string[] args, string name, double fallback) =>
    Value(args, name) is { } text
        ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : throw new ArgumentException($"{name}: '{text}' is not a number")
        : fallback;

static void WriteMs(Utf8JsonWriter writer, string name, double value)
{
    if (double.IsFinite(value))
    {
        writer.WriteNumber(name, Math.Round(value, 3));
    }
    else
    {
        writer.WriteNull(name);
    }
}

static void WriteJson(Action<Utf8JsonWriter> body)
{
    using var stdout = Console.OpenStandardOutput();
    using (var writer = new Utf8JsonWriter(stdout))
    {
        writer.WriteStartObject();
        body(writer);
        writer.WriteEndObject();
    }

    stdout.Write("\n"u8);
}
