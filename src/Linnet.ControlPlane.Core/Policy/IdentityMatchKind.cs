namespace Linnet.ControlPlane.Core.Policy;

/// <summary>The kinds of <see cref="IdentityMatch"/>.</summary>
public enum IdentityMatchKind
{
    /// <summary>The identity equals the value.</summary>
    Exact,

    /// <summary>The identity starts with the value (which ends with '/').</summary>
    Prefix,

    /// <summary>Any identity at all (but there must be one).</summary>
    Any,
}
