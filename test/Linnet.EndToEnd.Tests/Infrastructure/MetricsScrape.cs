using System.Globalization;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>One read of a proxy's <c>/metrics</c> (Prometheus text), with lookups by metric name and label
/// fragments, so that a test asserts on exact series without depending on label order.</summary>
internal sealed class MetricsScrape
{
    private readonly string[] _lines;

    private MetricsScrape(string text)
    {
        Text = text;
        _lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public string Text { get; }

    /// <summary>Reads <c>http://&lt;address&gt;:4191/metrics</c>.</summary>
    public static async Task<MetricsScrape> ReadAsync(HttpClient http, string address, CancellationToken cancellationToken) =>
        new(await http.GetStringAsync(new Uri($"http://{address}:4191/metrics"), cancellationToken));

    /// <summary>The series of <paramref name="name"/> (exactly that name, not a longer one) whose labels contain
    /// every one of <paramref name="labels"/> (e.g. <c>client_id="spiffe://…"</c>).</summary>
    public IEnumerable<string> Series(string name, params string[] labels) =>
        _lines.Where(l => !l.StartsWith('#')
            && l.StartsWith(name, StringComparison.Ordinal)
            && l.Length > name.Length && l[name.Length] is '{' or ' '
            && labels.All(f => l.Contains(f, StringComparison.Ordinal)));

    /// <summary>The sum of the values of <see cref="Series"/>; 0 when there is none.</summary>
    public double Sum(string name, params string[] labels) =>
        Series(name, labels).Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    /// <summary>The value of the unlabelled series <paramref name="name"/>, or null when it is absent.</summary>
    public double? Value(string name) =>
        _lines.FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal)) is { } line
            ? double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture)
            : null;
}
