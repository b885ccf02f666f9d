namespace Linnet.Proxy.Configuration;

/// <summary>One AuthorizationPolicy: a client is allowed when it satisfies both conditions.</summary>
/// <param name="Name">Its name (the <c>authz_name</c> label).</param>
/// <param name="Identities">Null: no identity required (plaintext clients too). Otherwise the client's mTLS
/// identity must match one of them.</param>
/// <param name="Networks">Null: any source address. Otherwise the client's address must be in one.</param>
internal sealed record AuthorizationConfig(string Name, IReadOnlyList<IdentityMatchConfig>? Identities, IReadOnlyList<NetworkMatchConfig>? Networks);
