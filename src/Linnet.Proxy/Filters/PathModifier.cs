using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Filters;

/// <summary>Gateway API <c>HTTPPathModifier</c> for rewrites and redirects. <c>ReplacePrefixMatch</c> replaces
/// whole path elements: the rule's prefix and the replacement are compared without a trailing <c>/</c>, and an
/// empty result is <c>/</c> (the table in httproute_types.go: <c>/foo/bar</c> with prefix <c>/foo</c> and
/// replacement <c>/xyz/</c> gives <c>/xyz/bar</c>; <c>/foo/</c> with replacement <c>""</c> gives <c>/</c>).</summary>
internal sealed class PathModifier
{
    private readonly PathModifierType _type;
    private readonly string _value;
    private readonly int _prefixLength;

    /// <summary>Compiles <paramref name="config"/>; <paramref name="matchedPrefix"/> is the rule's one
    /// <c>PathPrefix</c> value (required for <c>ReplacePrefixMatch</c>, which the control plane checks).</summary>
    public PathModifier(PathModifierConfig config, string? matchedPrefix)
    {
        ArgumentNullException.ThrowIfNull(config);
        _type = config.Type;
        _value = config.Type == PathModifierType.ReplacePrefixMatch ? config.Value.TrimEnd('/') : config.Value;
        _prefixLength = (matchedPrefix ?? "").TrimEnd('/').Length;
    }

    /// <summary>The new path for <paramref name="path"/>, which the rule's prefix matched.</summary>
    public string Apply(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (_type == PathModifierType.ReplaceFullPath)
        {
            return _value;
        }

        // The prefix matched whole elements, so what follows it is empty or starts with '/'.
        var rest = path.Length >= _prefixLength ? path.AsSpan(_prefixLength) : [];
        var result = string.Concat(_value.AsSpan(), rest);
        return result.Length == 0 ? "/" : result;
    }
}
