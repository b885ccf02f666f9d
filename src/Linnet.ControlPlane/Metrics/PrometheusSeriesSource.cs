using System.Globalization;
using System.Text;
using System.Text.Json;
using Linnet.ControlPlane.Core.Metrics;

namespace Linnet.ControlPlane.Metrics;

/// <summary>The series of a real Prometheus that scrapes the proxies (with the target labels of
/// <c>/api/v1/metrics/targets</c>): each question becomes one PromQL instant query over its HTTP API.</summary>
internal sealed class PrometheusSeriesSource(HttpClient http, Uri baseUrl) : ISeriesSource
{
    /// <inheritdoc />
    public Task<IReadOnlyList<SeriesValue>> IncreaseAsync(SeriesSelector selector, IReadOnlyList<string> groupBy, TimeSpan window, CancellationToken cancellationToken) =>
        QueryAsync(IncreaseQuery(selector, groupBy, window), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<SeriesValue>> LatestAsync(SeriesSelector selector, IReadOnlyList<string> groupBy, CancellationToken cancellationToken) =>
        QueryAsync($"sum by ({string.Join(',', groupBy)}) ({Selector(selector)})", cancellationToken);

    /// <summary>The PromQL of <see cref="ISeriesSource.IncreaseAsync"/>: the latest sum minus the sum a window
    /// ago, a group that did not exist then counting from 0.</summary>
    internal static string IncreaseQuery(SeriesSelector selector, IReadOnlyList<string> groupBy, TimeSpan window)
    {
        var by = $"sum by ({string.Join(',', groupBy)})";
        var s = Selector(selector);
        var offset = ((long)window.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        return $"{by} ({s}) - ({by} ({s} offset {offset}) or {by} ({s}) * 0)";
    }

    internal static string Selector(SeriesSelector selector)
    {
        var sb = new StringBuilder(selector.Metric).Append('{');
        for (var i = 0; i < selector.Matchers.Count; i++)
        {
            var m = selector.Matchers[i];
            sb.Append(i > 0 ? "," : "").Append(m.Name).Append(m.Equal ? "=\"" : "!=\"")
                .Append(m.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal))
                .Append('"');
        }

        return sb.Append('}').ToString();
    }

    private async Task<IReadOnlyList<SeriesValue>> QueryAsync(string query, CancellationToken cancellationToken)
    {
        using var content = new FormUrlEncodedContent([new("query", query)]);
        using var response = await http.PostAsync(new Uri(baseUrl, "api/v1/query"), content, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var json = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        var root = json.RootElement;
        if (!response.IsSuccessStatusCode || root.GetProperty("status").GetString() != "success")
        {
            var error = root.TryGetProperty("error", out var e) ? e.GetString() : response.ReasonPhrase;
            throw new HttpRequestException($"Prometheus refused the query ({(int)response.StatusCode}): {error}");
        }

        var result = new List<SeriesValue>();
        foreach (var item in root.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var label in item.GetProperty("metric").EnumerateObject())
            {
                labels[label.Name] = label.Value.GetString() ?? "";
            }

            var text = item.GetProperty("value")[1].GetString();
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && !double.IsNaN(value))
            {
                result.Add(new SeriesValue(labels, value));
            }
        }

        return result;
    }
}
