namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>The outcome of checking a webhook call's <c>es256</c> signature.</summary>
/// <param name="Valid">Whether it verifies and is recent.</param>
/// <param name="Reason">Why not, for the refusal's body (never the key).</param>
/// <param name="Nonce">The signed nonce, to refuse its replay.</param>
/// <param name="SignedAt">The signed time.</param>
public sealed record WebhookSignatureCheck(bool Valid, string Reason, string? Nonce, DateTimeOffset SignedAt)
{
    /// <summary>A refusal.</summary>
    public static WebhookSignatureCheck Refused(string reason) => new(false, reason, null, default);
}
