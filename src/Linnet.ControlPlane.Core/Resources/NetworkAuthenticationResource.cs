namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A <c>NetworkAuthentication</c> (<c>policy.linkerd.io/v1alpha1</c>, Linkerd's shape): clients whose
/// address is in one of its networks (and in none of that network's exceptions).</summary>
public sealed record NetworkAuthenticationResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "NetworkAuthentication";

    /// <inheritdoc />
    public override string ApiVersion => "policy.linkerd.io/v1alpha1";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>The spec.</summary>
    public required NetworkAuthenticationSpec Spec { get; init; }

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is NetworkAuthenticationResource n && Spec.Equals(n.Spec);
}

/// <summary>NetworkAuthentication spec.</summary>
public sealed record NetworkAuthenticationSpec(IReadOnlyList<NetworkRule> Networks)
{
    /// <inheritdoc />
    public bool Equals(NetworkAuthenticationSpec? other) => other is not null && Networks.SequenceEqual(other.Networks);

    /// <inheritdoc />
    public override int GetHashCode() => Networks.Count;
}

/// <summary>A CIDR and the CIDRs inside it that are excluded.</summary>
public sealed record NetworkRule(string Cidr, IReadOnlyList<string> Except)
{
    /// <inheritdoc />
    public bool Equals(NetworkRule? other) => other is not null && Cidr == other.Cidr && Except.SequenceEqual(other.Except);

    /// <inheritdoc />
    public override int GetHashCode() => Cidr.GetHashCode(StringComparison.Ordinal);
}
