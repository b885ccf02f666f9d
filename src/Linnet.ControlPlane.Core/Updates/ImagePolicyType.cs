namespace Linnet.ControlPlane.Core.Updates;

/// <summary>Which tags an image policy accepts (Keel's <c>keel.sh/policy</c> values).</summary>
public enum ImagePolicyType
{
    /// <summary><c>never</c> (or no policy): never update.</summary>
    Never,

    /// <summary><c>all</c>: any higher version, pre-releases included.</summary>
    All,

    /// <summary><c>major</c>: any higher version.</summary>
    Major,

    /// <summary><c>minor</c>: a higher version with the same major.</summary>
    Minor,

    /// <summary><c>patch</c>: a higher version with the same major and minor.</summary>
    Patch,

    /// <summary><c>force</c>: any tag, never a semantic-version downgrade; with matchTag, only new digests of the same tag.</summary>
    Force,

    /// <summary><c>glob:&lt;pattern&gt;</c>: tags matching the pattern, alphabetically higher.</summary>
    Glob,

    /// <summary><c>regexp:&lt;pattern&gt;</c>: tags matching the regular expression.</summary>
    Regexp,
}
