using Linnet.Api.Policy;
using Linnet.Api.Yaml;

namespace Linnet.Api.Validation;

/// <summary>The checks that a route's YAML gets in the control plane's HTTPRoute and GRPCRoute manifests. The proxy's
/// config file holds the Destination API's messages instead and is checked by the proxy's one conversion of them
/// (<c>DestinationMapper</c>), which shares <see cref="RoutePattern"/>, <see cref="HttpSyntax"/> and the policy defaults.</summary>
public static class RouteRules
{
    /// <summary>The retry conditions a route may name, in the order error messages list them.</summary>
    public static IReadOnlyList<string> RetryConditions { get; } = ["5xx", "gateway-error", "connect-failure"];

    /// <summary>Checks a path match's <paramref name="type"/> (Exact, PathPrefix, RegularExpression) and its
    /// <paramref name="value"/>; errors go to <paramref name="path"/>'s <c>type</c> or <c>value</c>.</summary>
    public static void CheckPathMatch(YamlMap path, string type, string value)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(value);
        switch (type)
        {
            case "Exact" or "PathPrefix" when !value.StartsWith('/'):
                path.Error("value", $"'{value}' must start with '/'");
                break;
            case "RegularExpression":
                CheckRegex(path, "value", value);
                break;
            case "Exact" or "PathPrefix":
                break;
            default:
                path.Error("type", $"'{type}' is not one of: Exact, PathPrefix, RegularExpression");
                break;
        }
    }

    /// <summary>Checks a header or query parameter match's <paramref name="type"/> (Exact, RegularExpression) and,
    /// for a regular expression, its <paramref name="value"/>; true when the type is RegularExpression.</summary>
    public static bool CheckValueMatch(YamlMap item, string type, string? value)
    {
        ArgumentNullException.ThrowIfNull(item);
        switch (type)
        {
            case "Exact":
                return false;
            case "RegularExpression":
                if (value is not null)
                {
                    CheckRegex(item, "value", value);
                }

                return true;
            default:
                item.Error("type", $"'{type}' is not one of: Exact, RegularExpression");
                return false;
        }
    }

    /// <summary>Records an error at <paramref name="key"/> when <paramref name="pattern"/> is not a valid
    /// route pattern (<see cref="RoutePattern"/>).</summary>
    public static void CheckRegex(YamlMap map, string key, string pattern)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (RoutePattern.Check(pattern) is { } reason)
        {
            map.Error(key, reason);
        }
    }

    /// <summary>The match's <c>method</c>, or null; an error when it is not one of <see cref="HttpSyntax.Methods"/>.</summary>
    public static string? Method(YamlMap match)
    {
        ArgumentNullException.ThrowIfNull(match);
        var method = match.Text("method");
        if (method is not null && !HttpSyntax.IsMethod(method))
        {
            match.Error("method", $"'{method}' is not one of: {string.Join(", ", HttpSyntax.Methods)}");
        }

        return method;
    }

    /// <summary>Records an error at <paramref name="key"/> when <paramref name="name"/> is not a header name (an
    /// HTTP token); <paramref name="hint"/> ends the reason (the manifests spell out what a token is).</summary>
    public static void CheckHeaderName(YamlMap map, string key, string? name, string hint)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (name is not null && !HttpSyntax.IsToken(name))
        {
            map.Error(key, $"'{name}' is not a header name{hint}");
        }
    }

    /// <summary>The header names listed at <paramref name="key"/> (headers to remove), each checked with
    /// <see cref="CheckHeaderName"/>; with <paramref name="distinct"/>, a name listed twice (in any case) is an error.</summary>
    public static List<string> HeaderNames(YamlMap map, string key, string hint, bool distinct)
    {
        ArgumentNullException.ThrowIfNull(map);
        var names = map.StringList(key);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Count; i++)
        {
            CheckHeaderName(map, $"{key}[{i}]", names[i], hint);
            if (distinct && !seen.Add(names[i]))
            {
                map.Error($"{key}[{i}]", $"'{names[i]}' is listed twice");
            }
        }

        return names;
    }

    /// <summary>The <c>name</c>/<c>value</c> items listed at <paramref name="key"/> (headers to set or add): names
    /// checked with <see cref="CheckHeaderName"/>, values with <see cref="CheckHeaderValue"/>, unknown fields
    /// rejected; an item without both is left out. With <paramref name="distinct"/>, a name given twice (in any
    /// case) is an error.</summary>
    public static List<KeyValuePair<string, string>> HeaderValues(YamlMap map, string key, string hint, bool distinct)
    {
        ArgumentNullException.ThrowIfNull(map);
        var values = new List<KeyValuePair<string, string>>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var items = map.Sequence(key);
        for (var i = 0; i < items.Count; i++)
        {
            var item = map.Item(items[i], key, i);
            var name = item.Text("name", required: true);
            var value = item.Text("value", required: true);
            CheckHeaderName(item, "name", name, hint);
            if (distinct && name is not null && !seen.Add(name))
            {
                item.Error("name", $"'{name}' is listed twice");
            }

            CheckHeaderValue(item, value);
            item.RejectUnknown();
            if (name is not null && value is not null)
            {
                values.Add(new(name, value));
            }
        }

        return values;
    }

    /// <summary>Records an error at <c>value</c> when a header value to set or add has CR, LF or NUL.</summary>
    public static void CheckHeaderValue(YamlMap item, string? value)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (value is not null && !HttpSyntax.IsHeaderValue(value))
        {
            item.Error("value", "must not contain CR, LF or NUL");
        }
    }

    /// <summary>A percentage 0..100 at <paramref name="key"/>, or null when absent or invalid.</summary>
    public static double? Percent(YamlMap map, string key)
    {
        ArgumentNullException.ThrowIfNull(map);
        return map.Real(key, 0, 100);
    }

    /// <summary>Records an error at <c>key[i]</c> for each of <paramref name="conditions"/> that is not one of
    /// <see cref="RetryConditions"/>.</summary>
    public static void CheckRetryConditions(YamlMap map, string key, IReadOnlyList<string> conditions)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(conditions);
        for (var i = 0; i < conditions.Count; i++)
        {
            if (!RetryConditions.Contains(conditions[i]))
            {
                map.Error($"{key}[{i}]", $"'{conditions[i]}' is not one of: {string.Join(", ", RetryConditions)}");
            }
        }
    }

    /// <summary>A GEP-2257 duration at <paramref name="key"/> (<see cref="GatewayDuration"/>), zero included; null
    /// when absent or invalid (then an error).</summary>
    public static TimeSpan? Duration(YamlMap map, string key, bool required = false)
    {
        ArgumentNullException.ThrowIfNull(map);
        var text = map.Text(key, required);
        if (text is null)
        {
            return null;
        }

        if (GatewayDuration.TryParse(text, out var value))
        {
            return value;
        }

        map.Error(key, GatewayDuration.Problem(text));
        return null;
    }

    /// <summary>A rule's <c>timeouts</c> (Gateway API's HTTPRouteTimeouts, GEP-1742): <c>request</c> and
    /// <c>backendRequest</c> as GEP-2257 durations, <c>0s</c> meaning no timeout (null), and a backend request
    /// timeout longer than the request timeout refused. Unknown fields are left to the caller. Flagger's Canary names
    /// the two <c>service.timeout</c> and <c>service.backendTimeout</c> (<paramref name="requestKey"/>,
    /// <paramref name="backendRequestKey"/>).</summary>
    public static (TimeSpan? Request, TimeSpan? BackendRequest) Timeouts(YamlMap map, string requestKey = "request", string backendRequestKey = "backendRequest")
    {
        ArgumentNullException.ThrowIfNull(map);
        var request = Duration(map, requestKey);
        var backendRequest = Duration(map, backendRequestKey);
        if (request is { } r && r > TimeSpan.Zero && backendRequest is { } b && b > r)
        {
            map.Error(backendRequestKey, $"{GatewayDuration.Format(b)} is longer than the request timeout {GatewayDuration.Format(r)}");
        }

        return (NoneIfZero(request), NoneIfZero(backendRequest));
    }

    /// <summary>A gRPC failure status 1..16 at <paramref name="key"/>, by name or number (<see cref="GrpcStatusCodes"/>).</summary>
    public static int? GrpcStatus(YamlMap map, string key)
    {
        ArgumentNullException.ThrowIfNull(map);
        var text = map.Text(key);
        if (text is null)
        {
            return null;
        }

        if (GrpcStatusCodes.TryParseFailure(text, out var code))
        {
            return code;
        }

        map.Error(key, GrpcStatusCodes.Problem(text));
        return null;
    }

    /// <summary>The gRPC failure statuses listed at <paramref name="key"/>, each by name or number; an error at
    /// <c>key[i]</c> for each that is not one.</summary>
    public static List<int> GrpcStatuses(YamlMap map, string key)
    {
        ArgumentNullException.ThrowIfNull(map);
        var codes = new List<int>();
        var texts = map.StringList(key);
        for (var i = 0; i < texts.Count; i++)
        {
            if (GrpcStatusCodes.TryParseFailure(texts[i], out var code))
            {
                codes.Add(code);
            }
            else
            {
                map.Error($"{key}[{i}]", GrpcStatusCodes.Problem(texts[i]));
            }
        }

        return codes;
    }

    private static TimeSpan? NoneIfZero(TimeSpan? value) => value > TimeSpan.Zero ? value : null;
}
