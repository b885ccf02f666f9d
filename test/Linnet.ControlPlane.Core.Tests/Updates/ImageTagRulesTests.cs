using Linnet.ControlPlane.Core.Updates;

namespace Linnet.ControlPlane.Core.Tests.Updates;

/// <summary>Keel's update rules, row by row from Keel's own tests and documentation (keel-hq/keel@6ac9dc5):
/// <c>internal/policy/semver_test.go</c>, <c>force_test.go</c>, <c>glob_test.go</c>, <c>util/version/version_test.go</c>,
/// and keel.sh/docs "Policies" (pre-release rule, <c>v</c> prefix, <c>latest</c>). Each row names its source.</summary>
public sealed class ImageTagRulesTests
{
    private static readonly Dictionary<string, ImagePolicyType> Types = new(StringComparer.Ordinal)
    {
        ["all"] = ImagePolicyType.All, ["major"] = ImagePolicyType.Major, ["minor"] = ImagePolicyType.Minor, ["patch"] = ImagePolicyType.Patch,
    };

    // policy, matchPreRelease, current, new, update?, error?
    public static TheoryData<string, bool, string, string, bool, bool> SemverRows => new()
    {
        // semver_test.go Test_shouldUpdate
        { "all", false, "1.4.5", "1.4.3", false, false },      // new lower, policy all
        { "all", false, "1.4.5", "1.4.6", true, false },       // new minor increase, policy all
        { "all", false, "1.4.5", "1.4.5", false, false },      // no increase, policy all
        { "all", false, "1.4", "1.5", true, false },           // minor increase - 2 points, policy all
        { "major", false, "1.4.5", "1.5.5", true, false },     // minor increase, policy major
        { "major", false, "1.4.5", "2.4.5", true, false },     // major increase, policy major
        { "patch", false, "1.4.5", "1.4.6", true, false },     // patch increase, policy patch
        { "patch", false, "1.4", "1.4.6", true, false },       // patch release, policy patch
        { "patch", false, "1.4", "1.5.6", false, false },      // minor and patch release, policy patch
        { "patch", false, "1.4.5", "1.4.4", false, false },    // patch decrease, policy patch
        { "patch", false, "1.4", "1.5", false, false },        // 2 points minor change, policy patch
        { "patch", false, "1.4.5", "2.4.6", false, false },    // patch AND major increase, policy patch
        { "patch", false, "1.4.5", "1.4.5", false, false },    // patch same, policy patch
        { "minor", false, "1.4.5", "1.5.5", true, false },     // minor increase, policy minor
        { "minor", false, "1.4", "1.5", true, false },         // minor increase 2 points, policy minor
        { "minor", false, "1.4.5", "1.4.6", true, false },     // patch increase, policy minor
        { "minor", true, "1.4.5", "1.4.5-xx", false, false },  // prerelease patch increase, policy minor, no prerelease
        { "minor", true, "v1.0.0", "v1.0.1-metadata", false, false }, // parsed prerelease patch increase, no prerelease
        { "minor", true, "v1.0.0-metadata", "v1.0.1-metadata", true, false }, // both have the same pre-release
        { "minor", true, "1.4.5-xx", "1.4.6-xx", true, false }, // prerelease patch increase, policy minor
        { "minor", true, "1.4.5-xx", "1.4.6-yy", false, false }, // patch increase, policy minor, wrong prerelease
        { "all", false, "1.4.5", "3050", false, true },        // number: no dot, an error
        { "all", false, "1.4.5-xx", "1.4.5-yy", true, false }, // pre-release increase, policy All
        { "patch", false, "1.4.5-xx", "1.4.5-yy", true, false }, // pre-release increase, policy Patch, matchPreRelease false
        // docs: the pre-release rule is waived for "all" even with matchPreRelease (the default)
        { "all", true, "1.4.5-xx", "1.4.5-yy", true, false },
        // docs: a workload on "latest" always updates under a semver policy (semver.go: current == "latest")
        { "major", true, "latest", "1.0.0", true, false },
        // docs/keel#544: the v prefix is a version; version_test.go "semver with v prefix" v0.0.824
        { "patch", true, "v0.0.824", "v0.0.825", true, false },
        { "patch", true, "0.0.824", "v0.0.825", true, false },
        // version_test.go: "42"/"23" are not versions (no dot); "latest" as a new tag is not one either
        { "all", true, "1.0.0", "42", false, true },
        { "all", true, "1.0.0", "latest", false, true },
        // version_test.go: "12.14" (two points) is a version
        { "minor", true, "12.13", "12.14", true, false },
    };

    // matchTag, current, new, update?
    public static TheoryData<bool, string, string, bool> ForceRows => new()
    {
        // force_test.go TestForcePolicyShouldUpdate
        { false, "latest", "latest", true },        // same tag is an update (mutable tag re-push)
        { false, "latest", "main", true },          // non semver tags have no ordering
        { false, "latest", "1.2.3", true },         // non semver current, semver new
        { false, "7.9.1-1-ubi8", "8.0.0", true },   // semver new is higher
        { false, "7.9.1-1-ubi8", "3.0.0", false },  // issue 823 cp-kafka 7.9.1-1-ubi8 -> 3.0.0
        { false, "8.1.0", "8.0.0", false },         // issue 823 8.1.0 -> 8.0.0
        { false, "8.1.0", "8.1.0", true },          // same semver tag re-push is an update
        { false, "1.4.5", "1.4.6", true },          // patch bump
        { false, "1.2.3-4", "1.2.3-3", false },     // same semver with different prerelease is lower
        { false, "1.2.3-3", "1.2.3-4", true },      // same semver with different prerelease is higher
        { false, "7.9.1-1-ubi8", "7.9.1", true },   // prerelease to release is higher
        { true, "latest", "latest", true },         // tag match, same tag is an update
        { true, "latest", "main", false },          // tag match, different tag is not an update
        { true, "1.2.3", "1.2.4", false },          // tag match, different higher semver tag is not an update
    };

    // pattern, current, new, update?
    public static TheoryData<string, string, string, bool> GlobRows => new()
    {
        // glob_test.go TestGlobPolicy_ShouldUpdate
        { "latest", "latest", "latest", false },
        { "latest", "latest", "earliest", false },
        { "lat*", "latest", "latest", false },
        { "latest.*", "latest.20241321", "latest.20251321", true },
        { "latest.*", "latest.20251321", "latest.20241321", false },
    };

    // tags (registry order), expected order
    public static TheoryData<string[], string[]> ForceFilterRows => new()
    {
        // force_test.go TestForcePolicyFilter
        { ["3.0.0", "3.0.1", "7.9.1-1-ubi8", "8.0.0", "latest", "8.3.1"], ["8.3.1", "8.0.0", "7.9.1-1-ubi8", "3.0.1", "3.0.0", "latest"] },
        { ["latest", "main", "beta"], ["latest", "main", "beta"] },
        { ["1.3", "2.5", "2.7", "3.8"], ["3.8", "2.7", "2.5", "1.3"] },
        { ["v1.0.0", "v1.2.0", "v1.1.0"], ["v1.2.0", "v1.1.0", "v1.0.0"] },
        { [], [] },
    };

    [Theory]
    [MemberData(nameof(SemverRows))]
    public void ShouldUpdate_SemverPolicies_FollowKeel(string policy, bool matchPreRelease, string current, string candidate, bool update, bool error)
    {
        var p = new ImageUpdatePolicy(Types[policy], MatchPreRelease: matchPreRelease);

        Assert.Equal(update, ImageTagRules.ShouldUpdate(p, current, candidate, out var reason));
        Assert.Equal(error, reason is not null);
    }

    [Theory]
    [MemberData(nameof(ForceRows))]
    public void ShouldUpdate_Force_FollowsKeel(bool matchTag, string current, string candidate, bool update)
    {
        var p = new ImageUpdatePolicy(ImagePolicyType.Force, MatchTag: matchTag);

        Assert.Equal(update, ImageTagRules.ShouldUpdate(p, current, candidate, out var reason));
        Assert.Null(reason);
        Assert.Equal(matchTag, ImageTagRules.KeepsTag(p));
    }

    [Theory]
    [MemberData(nameof(GlobRows))]
    public void ShouldUpdate_Glob_FollowsKeel(string pattern, string current, string candidate, bool update)
    {
        Assert.Equal(update, ImageTagRules.ShouldUpdate(new ImageUpdatePolicy(ImagePolicyType.Glob, pattern), current, candidate, out _));
    }

    [Theory]
    [MemberData(nameof(ForceFilterRows))]
    public void Filter_Force_NewestVersionFirstThenOthers(string[] tags, string[] expected)
    {
        Assert.Equal(expected, ImageTagRules.Filter(new ImageUpdatePolicy(ImagePolicyType.Force), tags));
    }

    [Fact]
    public void SelectUpdate_ForceWithRegistryOrderOldestFirst_PicksNewest()
    {
        // keel#823: registries list tags oldest first; force must not pick the oldest.
        var tags = new[] { "3.0.0", "3.0.1", "7.9.1-1-ubi8", "8.0.0", "latest", "8.3.1" };

        Assert.Equal("8.3.1", ImageTagRules.SelectUpdate(new ImageUpdatePolicy(ImagePolicyType.Force), "7.9.1-1-ubi8", tags));
    }

    [Theory]
    // semver.go Filter keeps versions with a dot, highest first; the poll trigger takes the first ShouldUpdate
    // accepts (multi_tags_watcher.go computeEvents).
    [InlineData("minor", "1.2.0", "1.2.1,2.0.0,1.3.0,1.2.9-rc1,latest,42", "1.3.0")]
    [InlineData("patch", "1.2.0", "1.2.1,2.0.0,1.3.0,1.2.9-rc1,latest,42", "1.2.1")]
    [InlineData("major", "1.2.0", "1.2.1,2.0.0,1.3.0,1.2.9-rc1,latest,42", "2.0.0")]
    [InlineData("all", "1.2.0", "1.2.1,1.3.0,1.3.1-rc1", "1.3.1-rc1")]
    [InlineData("major", "2.0.0", "1.2.1,2.0.0,1.3.0", null)]
    [InlineData("major", "v1.0.0", "v1.0.0,v1.1.0,v1.10.0,v1.9.0", "v1.10.0")]
    public void SelectUpdate_SemverPolicies_PickHighestAllowed(string policy, string current, string tags, string? expected)
    {
        Assert.Equal(expected, ImageTagRules.SelectUpdate(new ImageUpdatePolicy(Types[policy]), current, tags.Split(',')));
    }

    [Fact]
    public void SelectUpdate_Regexp_PicksHighestMatchByCompareGroup()
    {
        // regexp.go Filter: descending by the named group "compare" when present (Go's (?P<name>) syntax).
        var policy = new ImageUpdatePolicy(ImagePolicyType.Regexp, @"^build-(?P<compare>\d+)$");

        Assert.Equal("build-9", ImageTagRules.SelectUpdate(policy, "build-1", ["build-1", "build-9", "build-10x", "other"]));
    }

    [Theory]
    // go-glob: '*' matches any run, other characters themselves.
    [InlineData("foo-*", "foo-1", true)]
    [InlineData("foo-*", "xfoo-1", false)]
    [InlineData("*-prod", "v1-prod", true)]
    [InlineData("a*b*c", "axxbyyc", true)]
    [InlineData("a*b*c", "axxbyy", false)]
    [InlineData("", "", true)]
    [InlineData("abc", "abcd", false)]
    public void IsMatch_GoGlobSemantics(string pattern, string subject, bool match)
    {
        Assert.Equal(match, GlobPattern.IsMatch(pattern, subject));
    }

    [Theory]
    // Masterminds/semver v1.5.0 comparison (version_test.go TestCompare rows), the library Keel uses.
    [InlineData("1.2.3", "1.5.1", -1)]
    [InlineData("2.2.3", "1.5.1", 1)]
    [InlineData("2.2.3", "2.2.2", 1)]
    [InlineData("3.2-beta", "3.2-beta", 0)]
    [InlineData("1.3", "1.1.4", 1)]
    [InlineData("4.2", "4.2-beta", 1)]
    [InlineData("4.2-beta", "4.2", -1)]
    [InlineData("4.2-alpha", "4.2-beta", -1)]
    [InlineData("4.2-alpha", "4.2-alpha", 0)]
    [InlineData("4.2-beta.2", "4.2-beta.1", 1)]
    [InlineData("4.2-beta2", "4.2-beta1", 1)]
    [InlineData("4.2-beta", "4.2-beta.2", -1)]
    [InlineData("4.2-beta", "4.2-beta.foo", -1)]
    [InlineData("4.2-beta.2", "4.2-beta", 1)]
    [InlineData("4.2-beta.foo", "4.2-beta", 1)]
    [InlineData("1.2+bar", "1.2+baz", 0)]
    [InlineData("1.0.0-beta.4", "1.0.0-beta.-2", -1)]
    [InlineData("1.0.0-beta.-2", "1.0.0-beta.-3", -1)]
    [InlineData("1.0.0-beta.-3", "1.0.0-beta.5", 1)]
    [InlineData("v1.2.3", "1.2.3", 0)]
    public void CompareTo_MastermindsSemverV1(string a, string b, int expected)
    {
        Assert.True(KeelVersion.TryParse(a, out var va));
        Assert.True(KeelVersion.TryParse(b, out var vb));
        Assert.Equal(expected, Math.Sign(va.CompareTo(vb)));
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("main")]
    [InlineData("1.2.3.4")]
    [InlineData("1.2.3-")]
    [InlineData("V1.2.3")]
    public void TryParse_NotAVersion_False(string tag)
    {
        Assert.False(KeelVersion.TryParse(tag, out _));
    }
}
