using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Telemetry;

/// <summary>Inbound authorization counters with linkerd2-proxy's names and labels:
/// <c>inbound_http_authz_allow_total</c>, <c>inbound_http_authz_deny_total</c>,
/// <c>inbound_tcp_authz_allow_total</c>, <c>inbound_tcp_authz_deny_total</c>.</summary>
internal sealed class AuthorizationMetrics
{
    /// <summary>Distinct series kept before further client identities are folded into one value.</summary>
    public const int MaxSeries = 5000;

    private readonly ConcurrentDictionary<(bool Http, bool Allow, int Port, string Server, string Authz, string? ClientId), long[]> _counters = new();

    /// <summary>Creates the counters. Like every proxy series they carry no workload labels: the scrape adds
    /// them (see <see cref="ProxyMetrics"/>).</summary>
    public AuthorizationMetrics(WorkloadInfo workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
    }

    /// <summary>Counts one decision. <paramref name="authzLabels"/> is empty for a denial.</summary>
    internal void Count(bool http, bool allow, int port, string serverLabels, string authzLabels, string? clientId)
    {
        // Identities come from verified certificates, so they are few; the bound guards against surprises.
        if (clientId is not null && _counters.Count >= MaxSeries && !_counters.ContainsKey((http, allow, port, serverLabels, authzLabels, clientId)))
        {
            clientId = "_other";
        }

        Interlocked.Increment(ref _counters.GetOrAdd((http, allow, port, serverLabels, authzLabels, clientId), static _ => new long[1])[0]);
    }

    /// <summary>Renders the four counters in the Prometheus text format.</summary>
    public void WriteTo(StringBuilder sb)
    {
        ArgumentNullException.ThrowIfNull(sb);
        Write(sb, http: true, allow: true, "inbound_http_authz_allow_total", "The total number of inbound HTTP requests that were authorized");
        Write(sb, http: true, allow: false, "inbound_http_authz_deny_total", "The total number of inbound HTTP requests that were denied");
        Write(sb, http: false, allow: true, "inbound_tcp_authz_allow_total", "The total number of inbound TCP connections that were authorized");
        Write(sb, http: false, allow: false, "inbound_tcp_authz_deny_total", "The total number of inbound TCP connections that were denied");
    }

    private void Write(StringBuilder sb, bool http, bool allow, string name, string help)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"# HELP {name} {help}.\n# TYPE {name} counter\n");
        foreach (var ((isHttp, isAllow, port, server, authz, clientId), count) in _counters)
        {
            if (isHttp != http || isAllow != allow)
            {
                continue;
            }

            var tls = clientId is null ? "tls=\"no_identity\",no_tls_reason=\"not_provided_by_remote\"" : $"tls=\"true\",client_id=\"{Escape(clientId)}\"";
            var route = http ? ",route_group=\"\",route_kind=\"default\",route_name=\"default\"" : "";
            var authzPart = authz.Length > 0 ? "," + authz : "";
            sb.Append(inv, $"{name}{{direction=\"inbound\",target_port=\"{port}\",{server}{route}{authzPart},{tls}}} {Volatile.Read(ref count[0])}\n");
        }
    }

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
