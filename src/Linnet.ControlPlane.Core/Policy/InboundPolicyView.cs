using Linnet.Api.Policy;

namespace Linnet.ControlPlane.Core.Policy;

/// <summary>What one workload instance's proxy enforces on inbound traffic: the Servers that cover its ports,
/// each with the authorizations that target it, and the default policy for every other port.</summary>
/// <param name="DefaultPolicy">For ports no Server covers (a <see cref="DefaultInboundPolicies"/> name).</param>
/// <param name="Servers">Ordered by name; no port is covered by two.</param>
public sealed record InboundPolicyView(string DefaultPolicy, IReadOnlyList<InboundServerView> Servers)
{
    /// <inheritdoc />
    public bool Equals(InboundPolicyView? other) =>
        other is not null && DefaultPolicy == other.DefaultPolicy && Servers.SequenceEqual(other.Servers);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(DefaultPolicy, Servers.Count);
}

/// <summary>A Server as it applies to one instance.</summary>
/// <param name="Name">The Server's name (Linkerd's <c>srv_name</c>).</param>
/// <param name="Ports">The instance ports it covers.</param>
/// <param name="ProxyProtocol">As the Server says.</param>
/// <param name="AccessPolicy">What traffic no authorization allows gets.</param>
/// <param name="Authorizations">Ordered by policy namespace and name.</param>
public sealed record InboundServerView(string Name, IReadOnlyList<int> Ports, string ProxyProtocol, string AccessPolicy, IReadOnlyList<AuthorizationView> Authorizations)
{
    /// <inheritdoc />
    public bool Equals(InboundServerView? other) =>
        other is not null && Name == other.Name && Ports.SequenceEqual(other.Ports) && ProxyProtocol == other.ProxyProtocol
        && AccessPolicy == other.AccessPolicy && Authorizations.SequenceEqual(other.Authorizations);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Ports.Count);
}

/// <summary>One AuthorizationPolicy, resolved: a client is allowed when it satisfies both conditions.</summary>
/// <param name="Name">The policy's name (Linkerd's <c>authz_name</c>).</param>
/// <param name="Identities">Null: no identity is required (plaintext clients too). Otherwise the client must
/// have an mTLS identity that matches one of these.</param>
/// <param name="Networks">Null: any source address. Otherwise the client's address must be in one.</param>
public sealed record AuthorizationView(string Name, IReadOnlyList<IdentityMatch>? Identities, IReadOnlyList<Resources.NetworkRule>? Networks)
{
    /// <inheritdoc />
    public bool Equals(AuthorizationView? other) =>
        other is not null && Name == other.Name && SameItems(Identities, other.Identities) && SameItems(Networks, other.Networks);

    /// <inheritdoc />
    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);

    private static bool SameItems<T>(IReadOnlyList<T>? a, IReadOnlyList<T>? b) =>
        a is null ? b is null : b is not null && a.SequenceEqual(b);
}
