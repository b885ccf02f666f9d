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
    private readonly HeaderModifier? _then;

    private HeaderModifier(HeaderModifierConfig config, HeaderModifier? then)
    {
        _remove = [.. config.Remove];
        _set = [.. config.Set];
        _add = [.. config.Add];
        _then = then;
    }

    /// <summary>Null when the config is absent or changes nothing.</summary>
    public static HeaderModifier? Create(HeaderModifierConfig? config) => Create(config, null);

    /// <summary>The rule's changes, then a backend's (Gateway API per-backendRef filters); null when neither changes
    /// anything.</summary>
    public static HeaderModifier? Create(HeaderModifierConfig? rule, HeaderModifierConfig? backend)
    {
        var then = Changes(backend) ? new HeaderModifier(backend!, null) : null;
        return Changes(rule) ? new HeaderModifier(rule!, then) : then;
    }

    private static bool Changes(HeaderModifierConfig? config) =>
        config is not null && (config.Remove.Count > 0 || config.Set.Count > 0 || config.Add.Count > 0);

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

        _then?.Apply(headers);
    }
}
