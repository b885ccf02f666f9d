using System.Text;

namespace Linnet.Proxy.Configuration;

/// <summary>Linkerd's <c>dst_*</c> labels of outbound series: the destination's metric labels as discovery
/// sends them (<c>namespace</c>, <c>service</c>, <c>pod</c>, <c>deployment</c>, <c>serviceaccount</c>…), each
/// name prefixed with <c>dst_</c>, rendered once when a config snapshot is mapped so that a request only
/// looks up a ready string.</summary>
internal static class DstLabels
{
    /// <summary>Longest label value kept; a longer one is cut (discovery's values are names, never this long).</summary>
    public const int MaxValueLength = 253;

    /// <summary>Renders <paramref name="labels"/> as <c>dst_a="x",dst_b="y"</c> (sorted by name, so the same
    /// labels always give the same series); names that are not Prometheus label names are skipped and
    /// reported in <paramref name="problems"/>; empty values are left out. "" when none remain.</summary>
    public static string Render(IEnumerable<KeyValuePair<string, string>> labels, List<string>? problems = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in labels)
        {
            if (!IsLabelName(name))
            {
                problems?.Add($"metric label '{name}' is not a Prometheus label name; ignored");
                continue;
            }

            if (!string.IsNullOrEmpty(value))
            {
                sorted["dst_" + name] = value.Length > MaxValueLength ? value[..MaxValueLength] : value;
            }
        }

        var sb = new StringBuilder();
        foreach (var (name, value) in sorted)
        {
            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            sb.Append(name).Append("=\"").Append(Escape(value)).Append('"');
        }

        return sb.ToString();
    }

    /// <summary>A Prometheus label value escaped for the exposition format (backslash, quote, newline).</summary>
    public static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>The label part of an outbound series: its tls label, then the destination's labels.</summary>
    public static string Combine(string tls, string dst) => dst.Length == 0 ? tls : $"{tls},{dst}";

    // Prometheus: [a-zA-Z_][a-zA-Z0-9_]*, and names starting "__" are reserved.
    private static bool IsLabelName(string name)
    {
        if (name.Length is 0 or > 64 || name.StartsWith("__", StringComparison.Ordinal) || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
