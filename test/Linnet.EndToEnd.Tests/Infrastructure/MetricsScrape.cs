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

    /// <summary>Reads until <paramref name="condition"/> holds (within 15 s) and returns that read: a proxy
    /// counts a request as it finishes, which may be a moment after the client got the last byte.</summary>
    public static async Task<MetricsScrape> ReadWhenAsync(HttpClient http, string address, Func<MetricsScrape, bool> condition, string what, CancellationToken cancellationToken)
    {
        MetricsScrape? scrape = null;
        await Eventually.UntilAsync(
            async () => condition(scrape = await ReadAsync(http, address, cancellationToken)),
            TimeSpan.FromSeconds(15),
            $"{what} in {address}'s metrics",
            cancellationToken,
            () => scrape?.Text ?? "(no answer)");
        return scrape!;
    }

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
