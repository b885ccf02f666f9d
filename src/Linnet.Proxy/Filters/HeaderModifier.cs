using Linnet.Proxy.Configuration;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Filters;

/// <summary>A compiled <see cref="HeaderModifierConfig"/>: applied to a header collection in the order
/// remove, set, add (Gateway API's <c>HTTPHeaderFilter</c>). Works the same on HTTP/1.1 and HTTP/2, and on
/// gRPC calls (whose metadata are headers).</summary>
internal sealed class HeaderModifier
{
    private readonly string[] _remove;
    private readonly HeaderValueConfig[] _set;
    private readonly HeaderValueConfig[] _add;

    private HeaderModifier(HeaderModifierConfig config)
    {
        _remove = [.. config.Remove];
        _set = [.. config.Set];
        _add = [.. config.Add];
    }

    /// <summary>Null when the config is absent or changes nothing.</summary>
    public static HeaderModifier? Create(HeaderModifierConfig? config) =>
        config is null || (config.Remove.Count == 0 && config.Set.Count == 0 && config.Add.Count == 0) ? null : new HeaderModifier(config);

    /// <summary>Changes <paramref name="headers"/> in place.</summary>
    public void Apply(IHeaderDictionary headers)
    {
        foreach (var name in _remove)
        {
            headers.Remove(name);
        }

        foreach (var header in _set)
        {
            headers[header.Name] = header.Value;
        }

        foreach (var header in _add)
        {
            headers.Append(header.Name, header.Value);
        }
    }
}
