namespace Linnet.ControlPlane.Core.Identity;

/// <summary>A freshly signed workload token and what it says.</summary>
/// <param name="Token">The compact JWS, to hand to the proxy.</param>
/// <param name="Claims">Its claims.</param>
public sealed record IssuedToken(string Token, TokenClaims Claims);
