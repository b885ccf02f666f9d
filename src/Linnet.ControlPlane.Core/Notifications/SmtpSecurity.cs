namespace Linnet.ControlPlane.Core.Notifications;

/// <summary>How an e-mail target's SMTP connection is protected.</summary>
public enum SmtpSecurity
{
    /// <summary>STARTTLS, required (the default; port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    Tls,

    /// <summary>Plain text: only to a server on loopback (a local relay).</summary>
    None,
}
