namespace Linnet.ControlPlane.Core.Policy;

/// <summary>How a client's mTLS identity (always a SPIFFE id, <c>spiffe://&lt;td&gt;/ns/&lt;ns&gt;/sa/&lt;sa&gt;</c>) is
/// matched: <see cref="IdentityMatchKind.Any"/> (any authenticated client), exactly, or by prefix (the
/// translation of a suffix wildcard such as <c>*.shop.serviceaccount.identity.linkerd.cluster.local</c>).</summary>
public sealed record IdentityMatch(IdentityMatchKind Kind, string Value)
{
    /// <summary>Any authenticated client.</summary>
    public static IdentityMatch Any { get; } = new(IdentityMatchKind.Any, "");

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        IdentityMatchKind.Any => "*",
        IdentityMatchKind.Prefix => Value + "*",
        _ => Value,
    };
}
