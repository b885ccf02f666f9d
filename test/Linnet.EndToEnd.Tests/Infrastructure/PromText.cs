using System.Globalization;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>One scrape of a proxy's <c>/metrics</c> (Prometheus text), for sums over the samples of a family
/// whose labels include the given ones.</summary>
internal sealed class PromText
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    private PromText(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var open = line.IndexOf('{', StringComparison.Ordinal);
            var close = line.LastIndexOf('}');
            var name = open < 0 ? line[..line.IndexOf(' ', StringComparison.Ordinal)] : line[..open];
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (open >= 0)
            {
                ParseLabels(line[(open + 1)..close], labels);
            }

            var value = line[((open < 0 ? name.Length : close + 1))..].Trim();
            _samples.Add((name, labels, double.Parse(value, CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>The scrape as it came.</summary>
    public string Text { get; }

    /// <summary>Scrapes <c>http://&lt;address&gt;:4191/metrics</c>.</summary>
    public static async Task<PromText> ScrapeAsync(HttpClient http, string address, CancellationToken cancellationToken) =>
        new(await http.GetStringAsync(new Uri($"http://{address}:4191/metrics"), cancellationToken));

    /// <summary>The sum of the samples of <paramref name="name"/> having every label of <paramref name="labels"/>
    /// (<c>name=value</c> pairs; a value ending in <c>*</c> matches by prefix).</summary>
    public long Sum(string name, params string[] labels)
    {
        double sum = 0;
        foreach (var (sampleName, sampleLabels, value) in _samples)
        {
            if (sampleName == name && labels.All(l => Matches(sampleLabels, l)))
            {
                sum += value;
            }
        }

        return (long)sum;
    }

    /// <summary>The sample lines of <paramref name="name"/>, for failure messages.</summary>
    public string Lines(string name) =>
        string.Join('\n', Text.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal)));

    private static bool Matches(Dictionary<string, string> labels, string wanted)
    {
        var eq = wanted.IndexOf('=', StringComparison.Ordinal);
        var key = wanted[..eq];
        var value = wanted[(eq + 1)..];
        return labels.TryGetValue(key, out var actual)
            && (value.EndsWith('*') ? actual.StartsWith(value[..^1], StringComparison.Ordinal) : actual == value);
    }

    private static void ParseLabels(string text, Dictionary<string, string> labels)
    {
        var i = 0;
        while (i < text.Length)
        {
            var eq = text.IndexOf('=', i);
            var key = text[i..eq].Trim(',', ' ');
            var value = new System.Text.StringBuilder();
            var j = eq + 2; // past ="
            for (; j < text.Length && text[j] != '"'; j++)
            {
                if (text[j] == '\\' && j + 1 < text.Length)
                {
                    j++;
                    value.Append(text[j] == 'n' ? '\n' : text[j]);
                }
                else
                {
                    value.Append(text[j]);
                }
            }

            labels[key] = value.ToString();
            i = j + 1;
        }
    }
}
