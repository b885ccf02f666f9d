namespace Linnet.Proxy.Configuration;

/// <summary>How an <see cref="IdentityMatchConfig"/> compares.</summary>
internal enum IdentityMatchType
{
    /// <summary>Equal.</summary>
    Exact,

    /// <summary>Starts with the value (a suffix wildcard, translated by the control plane).</summary>
    Prefix,

    /// <summary>Any identity.</summary>
    Any,
}
