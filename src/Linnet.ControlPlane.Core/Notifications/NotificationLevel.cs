namespace Linnet.ControlPlane.Core.Notifications;

/// <summary>How much a notification matters, in Keel's order (<c>types.Level</c>): a target sends those at or
/// above its level.</summary>
public enum NotificationLevel
{
    /// <summary>Steps on the way (Keel's "preparing to update").</summary>
    Debug,

    /// <summary>Information (Keel's default level).</summary>
    Info,

    /// <summary>Something finished well (an update applied).</summary>
    Success,

    /// <summary>Something needs attention (an approval expired, a canary halted).</summary>
    Warn,

    /// <summary>Something failed.</summary>
    Error,

    /// <summary>Something failed for good.</summary>
    Fatal,
}
