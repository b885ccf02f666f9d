namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A <c>MeshTLSAuthentication</c> (<c>policy.linkerd.io/v1alpha1</c>, Linkerd's shape): the mTLS client
/// identities that satisfy it, as identity strings and as references to ServiceAccounts or Namespaces.
/// A client whose identity matches any of them is authenticated. See docs/authorization.md for the forms.</summary>
public sealed record MeshTlsAuthenticationResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "MeshTLSAuthentication";

    /// <inheritdoc />
    public override string ApiVersion => "policy.linkerd.io/v1alpha1";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>The spec.</summary>
    public required MeshTlsAuthenticationSpec Spec { get; init; }

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is MeshTlsAuthenticationResource m && Spec.Equals(m.Spec);
}

/// <summary>MeshTLSAuthentication spec.</summary>
public sealed record MeshTlsAuthenticationSpec(IReadOnlyList<string> Identities, IReadOnlyList<IdentityRef> IdentityRefs)
{
    /// <inheritdoc />
    public bool Equals(MeshTlsAuthenticationSpec? other) =>
        other is not null && Identities.SequenceEqual(other.Identities) && IdentityRefs.SequenceEqual(other.IdentityRefs);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Identities.Count, IdentityRefs.Count);
}

/// <summary>A <c>ServiceAccount</c> (no name: every service account of the namespace) or a <c>Namespace</c>
/// (every service account in it). <see cref="Namespace"/> is always resolved.</summary>
public sealed record IdentityRef(string Kind, string? Name, string Namespace);
