using System.Text.Json.Nodes;
using Linnet.Cli.Api;
using Linnet.Cli.Output;
using Spectre.Console;

namespace Linnet.Cli.Commands.Get;

/// <summary><c>linnet get KIND [NAME]</c>: a table per kind, or the resources as JSON/YAML.</summary>
internal sealed class GetHandler(ControlPlaneClient client, Printer printer)
{
    public async Task<int> RunAsync(string kind, string? name, string? ns, CancellationToken cancellationToken)
    {
        ApiResponse response;
        try
        {
            response = name is null
                ? await client.ListAsync(kind, ns, cancellationToken)
                : await client.GetAsync(kind, ns ?? "default", name, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            printer.Error($"cannot reach the control plane at {client.BaseAddress}: {ex.Message}");
            return ExitCodes.Unreachable;
        }

        if (!response.IsSuccess)
        {
            printer.Error(response.Status == System.Net.HttpStatusCode.NotFound ? $"{kind} {ns ?? "default"}/{name} not found" : response.Error);
            return ExitCodes.Failed;
        }

        var items = name is null ? response.Body?["items"]?.AsArray() ?? [] : new JsonArray(response.Body!.DeepClone());
        JsonNode? data = name is null ? items : items[0];
        printer.Print(data, () => Table(kind, items, showNamespace: ns is null));
        return ExitCodes.Ok;
    }

    private static Table Table(string kind, JsonArray items, bool showNamespace)
    {
        var table = new Table().Border(TableBorder.Simple);
        string[] columns = kind switch
        {
            "Service" => ["NAME", "PORTS", "SELECTOR", "LOCAL PORTS"],
            "Workload" => ["NAME", "REPLICAS", "COMMAND", "VERSION"],
            "HTTPRoute" or "GRPCRoute" => ["NAME", "PARENTS", "RULES", "ACCEPTED", "RESOLVED REFS"],
            "Instance" => ["NAME", "WORKLOAD", "ADDRESS", "READY", "RESTARTS", "LAST EXIT", "VERSION", "IMAGE", "DIGEST"],
            "Server" => ["NAME", "PORT", "PROTOCOL", "ACCESS POLICY"],
            "AuthorizationPolicy" => ["NAME", "TARGET", "AUTHENTICATIONS"],
            "MeshTLSAuthentication" => ["NAME", "IDENTITIES"],
            "NetworkAuthentication" => ["NAME", "NETWORKS"],
            "Canary" => ["NAME", "STATUS", "WEIGHT", "FAILED CHECKS", "METRICS", "LAST TRANSITION"],
            "ReferenceGrant" => ["NAME", "FROM", "TO"],
            "ImagePolicy" => ["NAME", "WORKLOAD", "POLICY", "TRIGGER", "APPROVALS", "NOTIFY"],
            _ => ["NAME"],
        };
        // Image columns only when some instance runs an image: a table of process instances stays narrow enough
        // for an 80-column terminal.
        var imageless = kind == "Instance" && !items.Any(i => i?["spec"]?["image"] is not null);
        if (imageless)
        {
            columns = columns[..^2];
        }

        if (showNamespace)
        {
            table.AddColumn("NAMESPACE");
        }

        table.AddColumns(columns);
        foreach (var item in items)
        {
            var spec = item?["spec"];
            var row = new List<string>();
            if (showNamespace)
            {
                row.Add(Text(item?["metadata"]?["namespace"]));
            }

            row.Add(Text(item?["metadata"]?["name"]));
            row.AddRange(kind switch
            {
                "Service" =>
                [
                    string.Join(",", (spec?["ports"]?.AsArray() ?? []).Select(p => $"{p?["port"]}→{p?["targetPort"]}{(p?["appProtocol"] is { } ap ? $"/{ap}" : "")}")),
                    string.Join(",", (spec?["selector"]?.AsObject() ?? []).Select(kv => $"{kv.Key}={kv.Value}")),
                    string.Join(",", (item?["status"]?["localPorts"]?.AsObject() ?? []).Select(kv => $"{kv.Key}→{kv.Value}")),
                ],
                "Workload" => [Text(spec?["replicas"]), $"{spec?["image"] ?? spec?["command"]} {string.Join(' ', (spec?["args"]?.AsArray() ?? []).Select(Text))}".Trim(), Text(spec?["version"])],
                "HTTPRoute" or "GRPCRoute" =>
                [
                    string.Join(",", (spec?["parentRefs"]?.AsArray() ?? []).Select(p => $"{p?["name"]}{(p?["port"] is { } port ? $":{port}" : "")}")),
                    (spec?["rules"]?.AsArray().Count ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Condition(item, "Accepted"),
                    Condition(item, "ResolvedRefs"),
                ],
                "Instance" =>
                [
                    Text(spec?["workload"]), Text(spec?["address"]), Text(spec?["ready"]), Text(spec?["restarts"] ?? 0),
                    spec?["lastExit"] is { } exit ? $"{exit["process"]}: {exit["reason"]} ({exit["at"]})" : "",
                    Text(spec?["version"]), Text(spec?["image"]),
                    spec?["pull"] is { } pull ? ImagePullText.Describe(pull) : ShortDigest(Text(spec?["imageDigest"])),
                ],
                "Server" => [Text(spec?["port"]), Text(spec?["proxyProtocol"]), Text(spec?["accessPolicy"])],
                "ReferenceGrant" =>
                [
                    string.Join(",", (spec?["from"]?.AsArray() ?? []).Select(f => $"{f?["kind"]}/{f?["namespace"]}")),
                    string.Join(",", (spec?["to"]?.AsArray() ?? []).Select(t => $"{t?["kind"]}/{t?["name"] ?? "*"}")),
                ],
                "AuthorizationPolicy" =>
                [
                    $"{spec?["targetRef"]?["kind"]}/{spec?["targetRef"]?["name"]}",
                    string.Join(",", (spec?["requiredAuthenticationRefs"]?.AsArray() ?? []).Select(r => $"{r?["kind"]}/{r?["name"]}")),
                ],
                "MeshTLSAuthentication" =>
                [
                    string.Join(",", (spec?["identities"]?.AsArray() ?? []).Select(Text)
                        .Concat((spec?["identityRefs"]?.AsArray() ?? []).Select(r => $"{r?["kind"]}/{r?["namespace"] ?? r?["name"]}{(r?["kind"]?.ToString() == "ServiceAccount" ? $"/{r?["name"] ?? "*"}" : "")}"))),
                ],
                "NetworkAuthentication" => [string.Join(",", (spec?["networks"]?.AsArray() ?? []).Select(n => Text(n?["cidr"])))],
                "ImagePolicy" =>
                [
                    Text(spec?["targetRef"]?["name"]),
                    Text(spec?["policy"]),
                    spec?["trigger"] is null ? "webhook" : $"poll {spec?["pollSchedule"]}",
                    Text(spec?["approvals"] ?? 0),
                    string.Join(",", (spec?["notify"]?.AsArray() ?? []).Select(Text)),
                ],
                "Canary" =>
                [
                    CanaryPhase(item?["status"]), Text(item?["status"]?["canaryWeight"] ?? 0), Text(item?["status"]?["failedChecks"] ?? 0),
                    string.Join(" ", (item?["status"]?["metrics"]?.AsArray() ?? []).Select(CanaryMetric)),
                    Text(item?["status"]?["lastTransitionTime"]),
                ],
                _ => [],
            });
            if (imageless)
            {
                row.RemoveRange(row.Count - 2, 2);
            }

            table.AddRow(row.Select(Markup.Escape).ToArray());
        }

        return table;
    }

    private static string Text(JsonNode? node) => node?.ToString() ?? "";

    // request-success-rate=97.5(>=99)✗: the last value and the range it was held against (#1810).
    private static string CanaryMetric(JsonNode? m)
    {
        var value = m?["value"] is { } v ? v.GetValue<double>().ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) : "no values";
        var range = string.Join(",", new[] { m?["min"] is { } min ? $">={min}" : null, m?["max"] is { } max ? $"<={max}" : null }.OfType<string>());
        return $"{m?["name"]}={value}({range}){(m?["passed"]?.GetValue<bool>() == true ? "" : "!")}";
    }

    // The phase, and what Linnet adds to it: paused, or the previous primary kept warm (warm rollback).
    private static string CanaryPhase(JsonNode? status)
    {
        var phase = Text(status?["phase"]);
        if (status?["paused"]?.GetValue<bool>() == true)
        {
            phase += " (paused)";
        }

        if (status?["standby"] is { } standby)
        {
            phase += standby["serving"]?.GetValue<bool>() == true ? " (on the previous primary)" : standby["until"] is { } until ? $" (previous primary warm until {until})" : "";
        }

        return phase;
    }

    // sha256:<first 12 hex>, as docker abbreviates image ids; -o json has the whole digest.
    private static string ShortDigest(string digest) => digest.Length > 19 ? digest[..19] : digest;

    // A route's Gateway API condition over its parents: "True", or each parent's False reason; "-" before the
    // status controller has written one.
    private static string Condition(JsonNode? route, string type)
    {
        var parents = route?["status"]?["parents"]?.AsArray() ?? [];
        var conditions = parents.Select(p => (p?["conditions"]?.AsArray() ?? []).FirstOrDefault(c => c?["type"]?.ToString() == type)).Where(c => c is not null).ToList();
        if (conditions.Count == 0)
        {
            return "-";
        }

        var failed = conditions.Where(c => c?["status"]?.ToString() != "True").Select(c => $"False ({c?["reason"]})").Distinct().ToList();
        return failed.Count == 0 ? "True" : string.Join(",", failed);
    }
}
