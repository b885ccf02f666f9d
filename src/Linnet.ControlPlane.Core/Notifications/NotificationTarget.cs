namespace Linnet.ControlPlane.Core.Notifications;

/// <summary>One place notifications go: a chat service's incoming webhook, Keel's generic webhook, or e-mail.
/// The webhook URL carries the service's secret: <see cref="ToString"/> shows its host only.</summary>
/// <param name="Name">The target's name (in logs and errors).</param>
/// <param name="Service">The service, which decides the message format.</param>
/// <param name="Url">The webhook URL (a secret); null for e-mail.</param>
/// <param name="Level">The lowest level this target sends.</param>
public sealed record NotificationTarget(string Name, NotificationService Service, Uri? Url, NotificationLevel Level = NotificationLevel.Info)
{
    /// <summary>The channel a chat message names (Slack, Mattermost, Rocket.Chat); null keeps the webhook's own.</summary>
    public string? Channel { get; init; }

    /// <summary>The name the message is posted as (Slack, Mattermost, Rocket.Chat, Discord); null keeps the webhook's own.</summary>
    public string? Username { get; init; }

    /// <summary>SMTP settings of an e-mail target; null otherwise.</summary>
    public EmailSettings? Email { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"NotificationTarget {{ Name = {Name}, Service = {Service}, Host = {Url?.Host ?? Email?.Host}, Level = {Level} }}";
}
