namespace Linnet.ControlPlane.Core.Identity;

/// <summary>What a workload token proves: the bearer may have the identity of this namespace and service
/// account until <see cref="ExpiresAt"/>.</summary>
/// <param name="Id">A unique id (<c>jti</c>): what revocation names.</param>
/// <param name="Namespace">The workload's namespace.</param>
/// <param name="ServiceAccount">The workload's service account.</param>
/// <param name="IssuedAt">When it was signed (<c>iat</c>).</param>
/// <param name="ExpiresAt">When it stops proving anything (<c>exp</c>).</param>
public sealed record TokenClaims(string Id, string Namespace, string ServiceAccount, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);
