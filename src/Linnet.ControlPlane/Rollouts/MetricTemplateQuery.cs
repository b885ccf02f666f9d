using System.Globalization;
using System.Text.Json;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Security;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Rollouts;

/// <summary>Runs a Canary metric's MetricTemplate as Flagger's prometheus provider does
/// (pkg/metrics/providers/prometheus.go): the query rendered with the template variables, <c>GET
/// {address}/api/v1/query</c> with the template's headers, 5 s timeout, the value of the (last) sample. No sample
/// or NaN is "no values" (null); so is a template that is missing, renders with an error or that the provider
/// refuses (Flagger counts those as failed checks too), each logged with the reason but never with a header or a
/// credential. A template's <c>secretRef</c> is read from <see cref="SecretFiles"/> at each query: <c>token</c> is
/// sent as <c>Authorization: Bearer</c>, else <c>username</c> and <c>password</c> as basic auth, as Flagger's provider does.</summary>
internal sealed partial class MetricTemplateQuery(SecretFiles secrets, ILogger<MetricTemplateQuery> logger) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>The metric's value for <paramref name="workload"/> (the canary, or the primary inside the rollback
    /// window), or null for no values.</summary>
    public async Task<double?> RunAsync(StoreSnapshot snapshot, CanaryResource canary, CanaryMetric metric, string workload, CancellationToken cancellationToken)
    {
        if (metric.TemplateRef is not { } reference)
        {
            return null;
        }

        var key = reference with { Namespace = reference.Namespace.Length > 0 ? reference.Namespace : canary.Metadata.Namespace };
        if (snapshot.Resources.GetValueOrDefault(key) is not MetricTemplateResource template)
        {
            Log.Failed(logger, canary.Key.ToString(), metric.Name, $"{key} not found");
            return null;
        }

        string query;
        try
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["name"] = canary.Metadata.Name,
                ["namespace"] = canary.Metadata.Namespace,
                ["target"] = workload,
                ["service"] = CanaryObjects.ApexName(canary),
                ["interval"] = GoDuration.Format(metric.Interval),
            };
            query = MetricQueryTemplate.Render(template.Spec.Query, fields, metric.TemplateVariables);
        }
        catch (KeyNotFoundException ex)
        {
            Log.Failed(logger, canary.Key.ToString(), metric.Name, ex.Message);
            return null;
        }

        System.Net.Http.Headers.AuthenticationHeaderValue? authorization = null;
        if (template.Spec.SecretRef is { } secretName)
        {
            var (keys, problem) = secrets.Read(template.Metadata.Namespace, secretName);
            authorization = keys is null ? null : Credentials(keys, out problem);
            if (authorization is null)
            {
                Log.Failed(logger, canary.Key.ToString(), metric.Name, $"{template.Key}: {problem}");
                return null;
            }
        }

        try
        {
            return await QueryAsync(template.Spec, query, authorization, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or InvalidOperationException or KeyNotFoundException or FormatException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Log.Failed(logger, canary.Key.ToString(), metric.Name, $"{template.Spec.Address.GetLeftPart(UriPartial.Path)}: {ex.Message}");
            return null;
        }
    }

    // Flagger's NewPrometheusProvider: a token wins; otherwise both username and password are required.
    private static System.Net.Http.Headers.AuthenticationHeaderValue? Credentials(IReadOnlyDictionary<string, string> keys, out string? problem)
    {
        problem = null;
        if (keys.TryGetValue("token", out var token))
        {
            return new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        if (!keys.TryGetValue("username", out var username) || !keys.TryGetValue("password", out var password))
        {
            problem = "the secret holds neither token nor both username and password";
            return null;
        }

        return new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{username}:{password}")));
    }

    private async Task<double?> QueryAsync(MetricTemplateSpec spec, string query, System.Net.Http.Headers.AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        var baseUri = spec.Address.AbsoluteUri.EndsWith('/') ? spec.Address : new Uri(spec.Address.AbsoluteUri + "/");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, "api/v1/query?query=" + Uri.EscapeDataString(query.Trim())));
        foreach (var (name, values) in spec.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, values);
        }

        request.Headers.Authorization = authorization ?? request.Headers.Authorization;

        using var response = await _http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"error response: Status {(int)response.StatusCode}: {(body.Length > 300 ? body[..300] : body)}");
        }

        using var json = JsonDocument.Parse(body);
        var data = json.RootElement.GetProperty("data");
        var result = data.GetProperty("result");
        string? text = null;
        if (data.GetProperty("resultType").GetString() == "scalar")
        {
            text = result[1].GetString();
        }
        else
        {
            // Flagger keeps the last sample of the vector.
            foreach (var sample in result.EnumerateArray())
            {
                text = sample.GetProperty("value")[1].GetString();
            }
        }

        return text is not null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && !double.IsNaN(value) ? value : null;
    }

    public void Dispose() => _http.Dispose();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Canary {Canary}: metric {Metric} has no value: {Reason}")]
        public static partial void Failed(ILogger logger, string canary, string metric, string reason);
    }
}
