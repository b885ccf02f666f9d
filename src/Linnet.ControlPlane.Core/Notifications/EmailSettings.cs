namespace Linnet.ControlPlane.Core.Notifications;

/// <summary>Where an e-mail target's messages go. <see cref="ToString"/> never shows the password.</summary>
/// <param name="Host">The SMTP server.</param>
/// <param name="Port">Its port.</param>
/// <param name="Security">STARTTLS, TLS, or none (loopback only).</param>
/// <param name="User">The SMTP user, or null to send without logging in.</param>
/// <param name="Password">The SMTP password (a secret).</param>
/// <param name="From">The sender address.</param>
/// <param name="To">The recipients.</param>
public sealed record EmailSettings(string Host, int Port, SmtpSecurity Security, string? User, string? Password, string From, IReadOnlyList<string> To)
{
    /// <inheritdoc />
    public override string ToString() => $"EmailSettings {{ Host = {Host}, Port = {Port}, Security = {Security}, User = {User}, Password = ***, From = {From}, To = {string.Join(",", To)} }}";
}
