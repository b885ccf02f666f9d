namespace Linnet.Proxy.Configuration;

/// <summary>A match on a client's SPIFFE identity.</summary>
internal sealed record IdentityMatchConfig(IdentityMatchType Type, string Value)
{
    /// <summary>Any identity.</summary>
    public static IdentityMatchConfig Any { get; } = new(IdentityMatchType.Any, "");

    /// <summary>True when <paramref name="identity"/> (never null) matches.</summary>
    public bool Matches(string identity) => Type switch
    {
        IdentityMatchType.Any => true,
        IdentityMatchType.Prefix => identity.StartsWith(Value, StringComparison.Ordinal),
        _ => string.Equals(identity, Value, StringComparison.Ordinal),
    };
}
