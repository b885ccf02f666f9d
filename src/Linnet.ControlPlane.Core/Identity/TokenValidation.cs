namespace Linnet.ControlPlane.Core.Identity;

/// <summary>The outcome of checking a token: its claims, or why it proves nothing.</summary>
/// <param name="Claims">The claims of a valid token; null otherwise.</param>
/// <param name="Reason">Why the token was refused ("" when valid).</param>
public sealed record TokenValidation(TokenClaims? Claims, string Reason)
{
    /// <summary>Whether the token is valid.</summary>
    public bool IsValid => Claims is not null;

    /// <summary>A refusal.</summary>
    public static TokenValidation Refused(string reason) => new(null, reason);
}
