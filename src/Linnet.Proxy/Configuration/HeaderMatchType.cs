namespace Linnet.Proxy.Configuration;

/// <summary>How a <see cref="HeaderMatchConfig"/> compares the header's value.</summary>
internal enum HeaderMatchType
{
    /// <summary>Equal, case-sensitive.</summary>
    Exact,

    /// <summary>A regular expression that must match the whole value.</summary>
    Regex,
}
