namespace Linnet.ControlPlane.Core.Updates;

/// <summary>Which new tags of a workload's image it moves to: the one model behind Keel's <c>keel.sh/*</c>
/// annotations. The decisions themselves are <see cref="ImageTagRules"/>.</summary>
/// <param name="Type">The policy.</param>
/// <param name="Pattern">The pattern of a <c>glob:</c> or <c>regexp:</c> policy (without the prefix); null otherwise.</param>
/// <param name="MatchTag">Force policy only: follow new digests of the current tag and never change the tag
/// (<c>keel.sh/matchTag</c>).</param>
/// <param name="MatchPreRelease">Semver policies other than <c>all</c>: the new tag's pre-release must equal the
/// current one's (<c>keel.sh/matchPreRelease</c>, default true).</param>
public sealed record ImageUpdatePolicy(ImagePolicyType Type, string? Pattern = null, bool MatchTag = false, bool MatchPreRelease = true)
{
    /// <summary>No updates.</summary>
    public static ImageUpdatePolicy Never { get; } = new(ImagePolicyType.Never);

    /// <summary>The policy as Keel writes it: <c>all</c>, <c>glob:foo-*</c>, ...</summary>
    public string Name => Type switch
    {
        ImagePolicyType.Glob => "glob:" + Pattern,
        ImagePolicyType.Regexp => "regexp:" + Pattern,
        _ => Type.ToString().ToLowerInvariant(),
    };
}
