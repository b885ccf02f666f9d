using System.Net.Http.Headers;

namespace Linnet.Registry;

/// <summary>A <c>WWW-Authenticate</c> challenge from a registry: <c>Basic realm="..."</c> or
/// <c>Bearer realm="...",service="...",scope="..."</c> (the distribution token flow).</summary>
/// <param name="Scheme"><c>Basic</c> or <c>Bearer</c>.</param>
/// <param name="Parameters">Its parameters (realm, service, scope, ...), names lowercased.</param>
internal sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>The first Basic or Bearer challenge of a 401 response, or null.</summary>
    public static AuthChallenge? From(HttpResponseMessage response)
    {
        foreach (var header in response.Headers.WwwAuthenticate)
        {
            if (header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) || header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            {
                return new AuthChallenge(header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) ? "Bearer" : "Basic", ParseParameters(header));
            }
        }

        return null;
    }

    private static Dictionary<string, string> ParseParameters(AuthenticationHeaderValue header)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var text = header.Parameter ?? "";
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || text[i] == ' '))
            {
                i++;
            }

            var eq = text.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }

            var name = text[i..eq].Trim().ToLowerInvariant();
            i = eq + 1;
            string value;
            if (i < text.Length && text[i] == '"')
            {
                var sb = new System.Text.StringBuilder();
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    sb.Append(text[i]);
                    i++;
                }

                i++;
                value = sb.ToString();
            }
            else
            {
                var end = text.IndexOf(',', i);
                end = end < 0 ? text.Length : end;
                value = text[i..end].Trim();
                i = end;
            }

            result[name] = value;
        }

        return result;
    }
}
