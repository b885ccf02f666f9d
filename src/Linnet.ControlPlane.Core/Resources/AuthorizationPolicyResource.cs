namespace Linnet.ControlPlane.Core.Resources;

/// <summary>An <c>AuthorizationPolicy</c> (<c>policy.linkerd.io/v1alpha1</c>, Linkerd's shape): allows traffic to
/// its target (a Server, or every Server of a Namespace) from clients that satisfy every required
/// authentication. With none required, it allows every client.</summary>
public sealed record AuthorizationPolicyResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "AuthorizationPolicy";

    /// <inheritdoc />
    public override string ApiVersion => "policy.linkerd.io/v1alpha1";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>The spec.</summary>
    public required AuthorizationPolicySpec Spec { get; init; }

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is AuthorizationPolicyResource a && Spec.Equals(a.Spec);
}

/// <summary>AuthorizationPolicy spec.</summary>
public sealed record AuthorizationPolicySpec(PolicyTargetRef TargetRef, IReadOnlyList<AuthenticationRef> RequiredAuthenticationRefs)
{
    /// <inheritdoc />
    public bool Equals(AuthorizationPolicySpec? other) =>
        other is not null && TargetRef == other.TargetRef && RequiredAuthenticationRefs.SequenceEqual(other.RequiredAuthenticationRefs);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(TargetRef, RequiredAuthenticationRefs.Count);
}

/// <summary>What a policy applies to: <c>policy.linkerd.io/Server</c> or core <c>Namespace</c> (its own).</summary>
public sealed record PolicyTargetRef(string Group, string Kind, string Name);

/// <summary>A required authentication: <c>MeshTLSAuthentication</c>, <c>NetworkAuthentication</c> (both
/// <c>policy.linkerd.io</c>) or a core <c>ServiceAccount</c>. <see cref="Namespace"/> is always resolved.</summary>
public sealed record AuthenticationRef(string Group, string Kind, string Name, string Namespace);
