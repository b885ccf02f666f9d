using System.Globalization;
using System.Text.RegularExpressions;

namespace Linnet.ControlPlane.Core.Updates;

/// <summary>A version tag read the way Keel reads it (Masterminds/semver v1.5.0, which Keel uses): an optional
/// <c>v</c>, one to three numeric segments (missing ones are 0), an optional pre-release and build metadata.
/// Comparison is that library's: numeric segments, then a version without pre-release is greater, then the
/// pre-release's dot-separated parts (numbers below words, numbers by value, words ordinally); metadata is
/// ignored.</summary>
public sealed partial class KeelVersion
{
    private KeelVersion(long major, long minor, long patch, string preRelease, string metadata, string original)
    {
        Major = major;
        Minor = minor;
        Patch = patch;
        PreRelease = preRelease;
        Metadata = metadata;
        Original = original;
    }

    /// <summary>The major segment.</summary>
    public long Major { get; }

    /// <summary>The minor segment (0 when absent).</summary>
    public long Minor { get; }

    /// <summary>The patch segment (0 when absent).</summary>
    public long Patch { get; }

    /// <summary>The pre-release after <c>-</c>, or empty.</summary>
    public string PreRelease { get; }

    /// <summary>The build metadata after <c>+</c>, or empty.</summary>
    public string Metadata { get; }

    /// <summary>The tag as written.</summary>
    public string Original { get; }

    /// <summary>Parses <paramref name="text"/>; false when it is not a version (<c>latest</c>, <c>main</c>, ...).
    /// Note that a bare number such as <c>42</c> parses, as in Masterminds/semver; Keel's semver policies
    /// separately require a dot (<see cref="HasDot"/>).</summary>
    public static bool TryParse(string text, out KeelVersion version)
    {
        ArgumentNullException.ThrowIfNull(text);
        version = null!;
        var m = VersionRegex().Match(text);
        if (!m.Success
            || !long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !TrySegment(m.Groups[2].Value, out var minor)
            || !TrySegment(m.Groups[3].Value, out var patch))
        {
            return false;
        }

        version = new KeelVersion(major, minor, patch, m.Groups[5].Value, m.Groups[8].Value, text);
        return true;
    }

    /// <summary>Keel's semver policies and its version parser refuse a tag that does not split into two or three
    /// parts on <c>.</c> (<c>42</c>, <c>3050</c>): Keel's <c>util/version.GetVersion</c>.</summary>
    public static bool HasDot(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        return tag.Contains('.', StringComparison.Ordinal);
    }

    /// <summary>Negative, zero or positive as this version is lower than, equal to or higher than <paramref name="other"/>.</summary>
    public int CompareTo(KeelVersion other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var d = Major.CompareTo(other.Major);
        if (d == 0)
        {
            d = Minor.CompareTo(other.Minor);
        }

        if (d == 0)
        {
            d = Patch.CompareTo(other.Patch);
        }

        if (d != 0)
        {
            return Math.Sign(d);
        }

        return (PreRelease.Length, other.PreRelease.Length) switch
        {
            (0, 0) => 0,
            (0, _) => 1,
            (_, 0) => -1,
            _ => ComparePreRelease(PreRelease, other.PreRelease),
        };
    }

    /// <inheritdoc />
    public override string ToString() => Original;

    private static bool TrySegment(string group, out long value)
    {
        value = 0;
        return group.Length == 0 || long.TryParse(group.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static int ComparePreRelease(string a, string b)
    {
        var aParts = a.Split('.');
        var bParts = b.Split('.');
        var n = Math.Max(aParts.Length, bParts.Length);
        for (var i = 0; i < n; i++)
        {
            var d = ComparePart(i < aParts.Length ? aParts[i] : "", i < bParts.Length ? bParts[i] : "");
            if (d != 0)
            {
                return d;
            }
        }

        return 0;
    }

    private static int ComparePart(string s, string o)
    {
        if (s == o)
        {
            return 0;
        }

        if (s.Length == 0)
        {
            return -1;
        }

        if (o.Length == 0)
        {
            return 1;
        }

        var sNumeric = ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var si);
        var oNumeric = ulong.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out var oi);
        return (sNumeric, oNumeric) switch
        {
            (false, false) => string.CompareOrdinal(s, o) > 0 ? 1 : -1,
            (true, false) => -1,
            (false, true) => 1,
            _ => si > oi ? 1 : -1,
        };
    }

    // Masterminds/semver v1.5.0 SemVerRegex, anchored at both ends of the text.
    [GeneratedRegex(@"\Av?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?\z", RegexOptions.CultureInvariant)]
    private static partial Regex VersionRegex();
}
