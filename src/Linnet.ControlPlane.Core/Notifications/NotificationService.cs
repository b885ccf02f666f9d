namespace Linnet.ControlPlane.Core.Notifications;

/// <summary>Where a notification target delivers, and so the format of its message.</summary>
public enum NotificationService
{
    /// <summary>A Slack incoming webhook (<c>slack</c>).</summary>
    Slack,

    /// <summary>A Microsoft Teams incoming webhook or Workflows URL (<c>msteams</c>; Keel's <c>teams</c>).</summary>
    MSTeams,

    /// <summary>A Discord webhook (<c>discord</c>).</summary>
    Discord,

    /// <summary>A Mattermost incoming webhook (<c>mattermost</c>).</summary>
    Mattermost,

    /// <summary>A Rocket.Chat incoming webhook (<c>rocket</c>; also <c>rocketchat</c>).</summary>
    RocketChat,

    /// <summary>A Google Chat space webhook (<c>gchat</c>; also <c>googlechat</c>).</summary>
    GoogleChat,

    /// <summary>Keel's generic webhook: its JSON notification body, POSTed (<c>webhook</c>).</summary>
    Webhook,

    /// <summary>E-mail over SMTP (<c>email</c>; Keel's <c>mail</c>).</summary>
    Email,
}
