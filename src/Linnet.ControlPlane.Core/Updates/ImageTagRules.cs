using System.Text.RegularExpressions;

namespace Linnet.ControlPlane.Core.Updates;

/// <summary>Keel's update decisions (keel-hq/keel <c>internal/policy</c> and the poll trigger's tag choice in
/// <c>trigger/poll/multi_tags_watcher.go</c>), with the same version comparison (<see cref="KeelVersion"/>).</summary>
public static class ImageTagRules
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Whether a workload running <paramref name="current"/> moves to <paramref name="candidate"/>.
    /// <paramref name="error"/> says why a semver policy cannot compare the two (a tag without a dot, not a
    /// version), in which case the answer is false.</summary>
    public static bool ShouldUpdate(ImageUpdatePolicy policy, string current, string candidate, out string? error)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(candidate);
        error = null;
        switch (policy.Type)
        {
            case ImagePolicyType.All or ImagePolicyType.Major or ImagePolicyType.Minor or ImagePolicyType.Patch:
                return SemverShouldUpdate(policy, current, candidate, out error);
            case ImagePolicyType.Force:
                if (policy.MatchTag && current != candidate)
                {
                    return false;
                }

                // A re-push of the same tag is an update; between two versions never a downgrade (keel#823).
                return current == candidate
                    || !KeelVersion.TryParse(current, out var cv)
                    || !KeelVersion.TryParse(candidate, out var nv)
                    || nv.CompareTo(cv) > 0;
            case ImagePolicyType.Glob:
                return GlobPattern.IsMatch(policy.Pattern!, candidate) && string.CompareOrdinal(candidate, current) > 0;
            case ImagePolicyType.Regexp:
                return Compile(policy.Pattern!).IsMatch(candidate);
            default:
                return false;
        }
    }

    /// <summary>The candidate tags of <paramref name="tags"/> in the order the policy tries them, newest first:
    /// semver policies keep versions with a dot, highest first; force puts versions highest first and other tags
    /// after them in registry order; glob keeps matches, descending ordinally; regexp keeps matches, descending by
    /// the <c>compare</c> group when the expression has one, else by the whole tag.</summary>
    public static IReadOnlyList<string> Filter(ImageUpdatePolicy policy, IEnumerable<string> tags)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(tags);
        switch (policy.Type)
        {
            case ImagePolicyType.All or ImagePolicyType.Major or ImagePolicyType.Minor or ImagePolicyType.Patch:
                return Versions(tags.Where(KeelVersion.HasDot)).Select(v => v.Original).ToList();
            case ImagePolicyType.Force:
                var list = tags.ToList();
                var others = list.Where(t => !KeelVersion.TryParse(t, out _));
                return Versions(list).Select(v => v.Original).Concat(others).ToList();
            case ImagePolicyType.Glob:
                return tags.Where(t => GlobPattern.IsMatch(policy.Pattern!, t)).OrderDescending(StringComparer.Ordinal).ToList();
            case ImagePolicyType.Regexp:
                var regex = Compile(policy.Pattern!);
                var matching = tags.Where(t => regex.IsMatch(t));
                return regex.GroupNumberFromName("compare") >= 0
                    ? matching.OrderByDescending(t => regex.Match(t).Groups["compare"].Value, StringComparer.Ordinal).ToList()
                    : matching.OrderDescending(StringComparer.Ordinal).ToList();
            default:
                return tags.ToList();
        }
    }

    /// <summary>The tag a workload running <paramref name="current"/> should move to, given a repository's tags, or
    /// null: the first candidate in <see cref="Filter"/> order that <see cref="ShouldUpdate"/> accepts, unless that
    /// is the current tag itself (a tag watcher decides by tag names only; new digests of the same tag are the
    /// digest watcher's business).</summary>
    public static string? SelectUpdate(ImageUpdatePolicy policy, string current, IEnumerable<string> tags)
    {
        foreach (var tag in Filter(policy, tags))
        {
            if (!ShouldUpdate(policy, current, tag, out _))
            {
                continue;
            }

            return tag == current ? null : tag;
        }

        return null;
    }

    /// <summary>True when the policy follows new digests of the current tag rather than new tags (Keel's
    /// <c>KeepTag</c>: force with matchTag).</summary>
    public static bool KeepsTag(ImageUpdatePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.Type == ImagePolicyType.Force && policy.MatchTag;
    }

    /// <summary>Compiles a <c>regexp:</c> pattern as Go's RE2 would accept it: no backtracking constructs
    /// (NonBacktracking refuses them, as RE2 does), and Go's <c>(?P&lt;name&gt;</c> groups accepted.</summary>
    public static Regex Compile(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return new Regex(pattern.Replace("(?P<", "(?<", StringComparison.Ordinal), RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, MatchTimeout);
    }

    private static bool SemverShouldUpdate(ImageUpdatePolicy policy, string current, string candidate, out string? error)
    {
        error = null;
        if (current == "latest")
        {
            return true;
        }

        if (!KeelVersion.HasDot(candidate))
        {
            error = $"'{candidate}' has no major.minor.patch elements";
            return false;
        }

        if (!KeelVersion.TryParse(current, out var cv))
        {
            error = $"the current tag '{current}' is not a version";
            return false;
        }

        if (!KeelVersion.TryParse(candidate, out var nv))
        {
            error = $"'{candidate}' is not a version";
            return false;
        }

        if (cv.PreRelease != nv.PreRelease && policy.Type != ImagePolicyType.All && policy.MatchPreRelease)
        {
            return false;
        }

        if (cv.CompareTo(nv) >= 0)
        {
            return false;
        }

        return policy.Type switch
        {
            ImagePolicyType.All or ImagePolicyType.Major => true,
            ImagePolicyType.Minor => nv.Major == cv.Major,
            ImagePolicyType.Patch => nv.Major == cv.Major && nv.Minor == cv.Minor,
            _ => false,
        };
    }

    private static IEnumerable<KeelVersion> Versions(IEnumerable<string> tags)
    {
        var versions = new List<KeelVersion>();
        foreach (var tag in tags)
        {
            if (KeelVersion.TryParse(tag, out var v))
            {
                versions.Add(v);
            }
        }

        // Stable, like Go's sort.Sort over semver.Collection is not; ties (1.0 vs 1.0.0) keep registry order.
        return versions.OrderByDescending(v => v, Comparer<KeelVersion>.Create((a, b) => a.CompareTo(b)));
    }
}
