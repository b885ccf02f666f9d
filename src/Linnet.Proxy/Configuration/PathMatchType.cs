namespace Linnet.Proxy.Configuration;

/// <summary>How a <see cref="PathMatchConfig"/> compares the path.</summary>
internal enum PathMatchType
{
    /// <summary>Element-wise prefix: <c>/api</c> matches <c>/api</c> and <c>/api/x</c>, not <c>/apis</c>.</summary>
    Prefix,

    /// <summary>The whole path, case-sensitive.</summary>
    Exact,

    /// <summary>A regular expression that must match the whole path.</summary>
    Regex,
}
