namespace Linnet.ControlPlane.Core.Notifications;

/// <summary>An e-mail's subject and plain-text body.</summary>
/// <param name="Subject">The subject line (one line).</param>
/// <param name="Body">The text body.</param>
public sealed record EmailContent(string Subject, string Body);
