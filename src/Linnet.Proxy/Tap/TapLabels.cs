namespace Linnet.Proxy.Tap;

/// <summary>Reads the proxy's rendered label strings (<c>a="x",b="y"</c>, Prometheus escapes) back into
/// name/value pairs, so that a tap event carries the same destination labels and TLS facts as the metrics.</summary>
internal static class TapLabels
{
    public static Dictionary<string, string> Parse(string rendered, string prefix = "")
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < rendered.Length)
        {
            var eq = rendered.IndexOf("=\"", i, StringComparison.Ordinal);
            if (eq < 0)
            {
                break;
            }

            var name = rendered[i..eq];
            var value = new System.Text.StringBuilder();
            var j = eq + 2;
            for (; j < rendered.Length && rendered[j] != '"'; j++)
            {
                if (rendered[j] == '\\' && j + 1 < rendered.Length)
                {
                    j++;
                    value.Append(rendered[j] == 'n' ? '\n' : rendered[j]);
                }
                else
                {
                    value.Append(rendered[j]);
                }
            }

            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                labels[name[prefix.Length..]] = value.ToString();
            }

            i = j + 2; // past the closing quote and the comma
        }

        return labels;
    }

    /// <summary>namespace and serviceaccount of a <c>spiffe://td/ns/N/sa/S</c> identity; empty for anything else.</summary>
    public static Dictionary<string, string> FromIdentity(string? identity)
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        if (identity is null || !identity.StartsWith("spiffe://", StringComparison.Ordinal))
        {
            return meta;
        }

        var parts = identity["spiffe://".Length..].Split('/');
        if (parts.Length == 5 && parts[1] == "ns" && parts[3] == "sa")
        {
            meta["namespace"] = parts[2];
            meta["serviceaccount"] = parts[4];
        }

        return meta;
    }
}
