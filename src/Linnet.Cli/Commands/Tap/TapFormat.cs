using System.Globalization;
using System.Text.Json.Nodes;

namespace Linnet.Cli.Commands.Tap;

/// <summary>Linkerd's tap lines from the API's JSON events: one request gives a <c>req</c>, an <c>rsp</c> and an
/// <c>end</c> line, <c>proxy=in </c>/<c>out</c>, <c>src=</c>, <c>dst=</c>, <c>tls=</c>; with <c>-o wide</c> the
/// source and destination resources (<c>src_res=deploy/web src_ns=default</c>) and the matched route
/// (<c>rt_route=web-api rt_kind=HTTPRoute rt_namespace=default</c>) are appended.</summary>
internal static class TapFormat
{
    private static readonly string[] GrpcCodeNames =
    [
        "OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists", "PermissionDenied",
        "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable",
        "DataLoss", "Unauthenticated",
    ];

    /// <summary>The three lines of <paramref name="e"/>. <paramref name="proxyIndex"/> is the id's base (the
    /// tapped proxy's number); <paramref name="resourceKind"/> ("deployment", "pod", "namespace") is set for wide output.</summary>
    public static IReadOnlyList<string> Lines(JsonNode e, int proxyIndex, string? resourceKind)
    {
        ArgumentNullException.ThrowIfNull(e);
        var inbound = Text(e["direction"]) == "inbound";
        var peer = inbound ? e["sourceMeta"] : e["destinationMeta"];
        var flow = $"proxy={(inbound ? "in " : "out")} src={Text(e["source"])} dst={Text(e["destination"])} tls={Text(peer?["tls"])}";
        var resources = resourceKind is null ? "" : Resource("src", e["sourceMeta"], resourceKind) + Resource("dst", e["destinationMeta"], resourceKind) + RouteLabels(e["routeMeta"]);
        var id = string.Create(CultureInfo.InvariantCulture, $"{proxyIndex}:{Number(e["id"])}");
        var latency = Number(e["responseInitMicros"]);
        var duration = Math.Max(0, Number(e["responseEndMicros"]) - latency);
        var length = Number(e["responseBytes"]);
        var grpc = e["grpcStatus"] is { } code ? $"grpc-status={GrpcName(Number(code))} " : "";
        return
        [
            $"req id={id} {flow} :method={Text(e["method"])} :authority={Text(e["authority"])} :path={Text(e["path"])}{resources}",
            string.Create(CultureInfo.InvariantCulture, $"rsp id={id} {flow} :status={Number(e["status"])} latency={latency}µs{resources}"),
            string.Create(CultureInfo.InvariantCulture, $"end id={id} {flow} {grpc}duration={duration}µs response-length={length}B{resources}"),
        ];
    }

    /// <summary>Go's name of a gRPC code, as Linkerd prints it (<c>codes.Code.String()</c>).</summary>
    public static string GrpcName(long code) => code >= 0 && code < GrpcCodeNames.Length ? GrpcCodeNames[code] : string.Create(CultureInfo.InvariantCulture, $"Code({code})");

    private static string Resource(string side, JsonNode? meta, string kind)
    {
        var s = "";
        var shortKind = kind switch { "deployment" => "deploy", "pod" => "po", "namespace" => "ns", _ => kind };
        if (Text(meta?[kind]) is { Length: > 0 } name)
        {
            s = $" {side}_res={shortKind}/{name}";
        }
        else if (Text(meta?["pod"]) is { Length: > 0 } pod)
        {
            s = $" {side}_pod={pod}";
        }

        if (kind != "namespace" && Text(meta?["namespace"]) is { Length: > 0 } ns)
        {
            s += $" {side}_ns={ns}";
        }

        return s;
    }

    // Linkerd appends the route's meta as rt_<key>=<value> (in map order); here the route's name first, then the rest by key.
    private static string RouteLabels(JsonNode? meta)
    {
        if (meta is not JsonObject labels)
        {
            return "";
        }

        var s = "";
        foreach (var (key, value) in labels.OrderBy(kv => kv.Key == "route" ? 0 : 1).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            s += $" rt_{key}={Text(value)}";
        }

        return s;
    }

    private static string Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

    private static long Number(JsonNode? node) =>
        node is not JsonValue v ? 0
        : v.TryGetValue<long>(out var n) ? n
        : v.TryGetValue<int>(out var i) ? i
        : v.TryGetValue<ulong>(out var u) ? (long)u
        : v.TryGetValue<uint>(out var ui) ? ui
        : 0;
}
