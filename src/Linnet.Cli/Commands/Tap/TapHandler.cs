using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Linnet.Cli.Api;

namespace Linnet.Cli.Commands.Tap;

/// <summary>Streams <c>GET /api/v1/tap</c> and prints each event as it arrives.</summary>
internal static class TapHandler
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Streams the tap's events to <paramref name="onEvent"/> (false stops); prints refusals to
    /// <paramref name="errors"/> and returns the exit code.</summary>
    public static Task<int> StreamEventsAsync(ControlPlaneClient client, TapRequest request, TextWriter errors, Func<JsonNode, bool> onEvent, CancellationToken cancellationToken) =>
        RunCoreAsync(client, request, errors, (line, _) => onEvent(line), cancellationToken);

    /// <summary>Runs until <paramref name="cancellationToken"/> fires, the stream ends, or <paramref name="maxEvents"/>
    /// events were printed (tests).</summary>
    public static async Task<int> RunAsync(ControlPlaneClient client, TapRequest request, TapOutput format, TextWriter output, TextWriter errors, int? maxEvents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        var resourceKind = request.Resource switch
        {
            "deploy" or "deployment" or "deployments" or "workload" or "workloads" or "wl" => "deployment",
            "po" or "pod" or "pods" or "instance" or "instances" => "pod",
            "ns" or "namespace" or "namespaces" => "namespace",
            _ => request.Resource,
        };
        var printed = 0;
        return await RunCoreAsync(client, request, errors, (line, index) =>
        {
            if (format == TapOutput.Json)
            {
                output.WriteLine(line.ToJsonString(Indented));
            }
            else
            {
                foreach (var text in TapFormat.Lines(line, index, format == TapOutput.Wide ? resourceKind : null))
                {
                    output.WriteLine(text);
                }
            }

            output.Flush();
            return maxEvents is not { } max || ++printed < max;
        }, cancellationToken);
    }

    private static async Task<int> RunCoreAsync(ControlPlaneClient client, TapRequest request, TextWriter errors, Func<JsonNode, int, bool> onEvent, CancellationToken cancellationToken)
    {
        var proxies = new Dictionary<string, int>(StringComparer.Ordinal);
        var response = await client.StreamAsync("tap",
        [
            new("namespace", request.Namespace),
            new("resource", request.Resource),
            new("name", request.Name),
            new("to", request.To),
            new("toNamespace", request.ToNamespace),
            new("method", request.Method),
            new("authority", request.Authority),
            new("path", request.Path),
            new("maxRps", request.MaxRps.ToString(CultureInfo.InvariantCulture)),
            new("reveal", request.Reveal ? "true" : null),
        ], line =>
        {
            if (line["type"]?.ToString() == "started")
            {
                if (line["pending"] is JsonArray { Count: > 0 } pending)
                {
                    errors.WriteLine($"warning: {pending.Count} proxies did not confirm the tap: {string.Join(", ", pending.Select(p => p?.ToString()))}");
                }

                if (line["proxies"] is JsonArray { Count: 0 } && line["pending"] is JsonArray { Count: 0 })
                {
                    errors.WriteLine($"no proxy of {line["target"]} is connected yet; waiting for one");
                }

                return true;
            }

            if (line["type"]?.ToString() != "event")
            {
                return true;
            }

            var proxy = line["proxy"]?.ToString() ?? "";
            if (!proxies.TryGetValue(proxy, out var index))
            {
                proxies[proxy] = index = proxies.Count;
            }

            return onEvent(line, index);
        }, cancellationToken);
        if (response is null)
        {
            await errors.WriteLineAsync($"error: control plane unreachable at {client.BaseAddress}");
            return ExitCodes.Unreachable;
        }

        if (!response.IsSuccess)
        {
            await errors.WriteLineAsync($"error: {response.Error}");
            return (int)response.Status is >= 400 and < 500 ? ExitCodes.Invalid : ExitCodes.Failed;
        }

        return ExitCodes.Ok;
    }
}
