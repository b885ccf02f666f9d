using System.Globalization;
using System.Text;

namespace Linnet.Api.Telemetry;

/// <summary>Reads the Prometheus text exposition format (what <c>/metrics</c> serves) into samples, and
/// answers the questions the CLI and tests ask of it.</summary>
public sealed class PrometheusText
{
    private PrometheusText(string text, List<MetricSample> samples)
    {
        Text = text;
        Samples = samples;
    }

    /// <summary>The scrape as received.</summary>
    public string Text { get; }

    /// <summary>Every sample, in order.</summary>
    public IReadOnlyList<MetricSample> Samples { get; }

    /// <summary>Parses a scrape; comment lines are skipped.</summary>
    public static PrometheusText Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var samples = new List<MetricSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.LastIndexOf(' ');
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            string name;
            if (brace >= 0)
            {
                name = line[..brace];
                ParseLabels(line.AsSpan(brace + 1, line.LastIndexOf('}') - brace - 1), labels);
            }
            else
            {
                name = line[..space];
            }

            var value = line[(space + 1)..] switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var v => double.Parse(v, CultureInfo.InvariantCulture),
            };
            samples.Add(new MetricSample(name, labels, value));
        }

        return new PrometheusText(text, samples);
    }

    /// <summary>The sum of every sample named <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels)
    {
        var sum = 0.0;
        foreach (var sample in Samples)
        {
            if (sample.Name == name && Matches(sample, labels))
            {
                sum += sample.Value;
            }
        }

        return sum;
    }

    /// <summary>How much every counter (and histogram bucket, sum and count) grew since <paramref name="earlier"/>,
    /// as PromQL's <c>increase()</c> sees it: a series that went down was reset (its process restarted), so
    /// its whole current value is the increase; a series <paramref name="earlier"/> lacks counts from zero.</summary>
    public PrometheusText Since(PrometheusText? earlier)
    {
        var before = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var sample in earlier?.Samples ?? [])
        {
            before[SeriesKey(sample)] = sample.Value;
        }

        var samples = new List<MetricSample>(Samples.Count);
        var text = new StringBuilder();
        foreach (var sample in Samples)
        {
            var key = SeriesKey(sample);
            var value = before.TryGetValue(key, out var old) && old <= sample.Value ? sample.Value - old : sample.Value;
            samples.Add(sample with { Value = value });
            text.Append(key).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }

        return new PrometheusText(text.ToString(), samples);
    }

    /// <summary>Every sample named <paramref name="name"/>.</summary>
    public IReadOnlyList<MetricSample> All(string name) => Samples.Where(s => s.Name == name).ToList();

    /// <summary>The <paramref name="q"/> quantile (0..1) of a histogram, summed over the matching series,
    /// interpolated inside the bucket as PromQL's <c>histogram_quantile</c> does; null without data.</summary>
    public double? Quantile(string histogram, double q, params (string Key, string Value)[] labels)
    {
        var buckets = new SortedDictionary<double, double>();
        foreach (var sample in Samples)
        {
            if (sample.Name == histogram + "_bucket" && Matches(sample, labels) && sample.Labels.TryGetValue("le", out var le))
            {
                var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
                buckets[bound] = buckets.GetValueOrDefault(bound) + sample.Value;
            }
        }

        if (buckets.Count == 0 || buckets.Last().Value == 0)
        {
            return null;
        }

        var rank = q * buckets.Last().Value;
        var lowerBound = 0.0;
        var lowerCount = 0.0;
        foreach (var (bound, count) in buckets)
        {
            if (count >= rank)
            {
                if (double.IsPositiveInfinity(bound))
                {
                    return lowerBound;
                }

                return count == lowerCount ? bound : lowerBound + ((bound - lowerBound) * (rank - lowerCount) / (count - lowerCount));
            }

            lowerBound = bound;
            lowerCount = count;
        }

        return lowerBound;
    }

    private static string SeriesKey(MetricSample sample)
    {
        var key = new StringBuilder(sample.Name).Append('{');
        var first = true;
        foreach (var (name, value) in sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            key.Append(first ? "" : ",").Append(name).Append("=\"").Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('"');
            first = false;
        }

        return key.Append('}').ToString();
    }

    private static bool Matches(MetricSample sample, (string Key, string Value)[] labels)
    {
        foreach (var (key, value) in labels)
        {
            if (!sample.Labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        return true;
    }

    private static void ParseLabels(ReadOnlySpan<char> body, Dictionary<string, string> labels)
    {
        while (body.Length > 0)
        {
            var eq = body.IndexOf('=');
            var key = body[..eq].Trim(',').Trim().ToString();
            body = body[(eq + 2)..];
            var value = new StringBuilder();
            var i = 0;
            for (; i < body.Length && body[i] != '"'; i++)
            {
                if (body[i] == '\\' && i + 1 < body.Length)
                {
                    i++;
                    value.Append(body[i] == 'n' ? '\n' : body[i]);
                }
                else
                {
                    value.Append(body[i]);
                }
            }

            labels[key] = value.ToString();
            body = i + 1 < body.Length ? body[(i + 1)..].TrimStart(',') : default;
        }
    }
}
