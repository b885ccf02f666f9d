namespace Linnet.ControlPlane.Core.Notifications;

/// <summary>Keel's names and colours of <see cref="NotificationLevel"/> (keel-hq/keel <c>types.Level</c>).</summary>
public static class NotificationLevels
{
    /// <summary>The level's name as Keel writes it: <c>debug</c>, <c>info</c>, <c>success</c>, <c>warn</c>,
    /// <c>error</c>, <c>fatal</c>.</summary>
    public static string Name(NotificationLevel level) => level switch
    {
        NotificationLevel.Debug => "debug",
        NotificationLevel.Info => "info",
        NotificationLevel.Success => "success",
        NotificationLevel.Warn => "warn",
        NotificationLevel.Error => "error",
        NotificationLevel.Fatal => "fatal",
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    /// <summary>Parses a level as Keel's <c>NOTIFICATION_LEVEL</c> does (case-insensitive; <c>warning</c> too).</summary>
    public static bool TryParse(string text, out NotificationLevel level)
    {
        ArgumentNullException.ThrowIfNull(text);
        (var ok, level) = text.ToLowerInvariant() switch
        {
            "debug" => (true, NotificationLevel.Debug),
            "info" => (true, NotificationLevel.Info),
            "success" => (true, NotificationLevel.Success),
            "warn" or "warning" => (true, NotificationLevel.Warn),
            "error" => (true, NotificationLevel.Error),
            "fatal" => (true, NotificationLevel.Fatal),
            _ => (false, NotificationLevel.Info),
        };
        return ok;
    }

    /// <summary>The level's colour, <c>#RRGGBB</c>, as Keel's senders use it.</summary>
    public static string Color(NotificationLevel level) => level switch
    {
        NotificationLevel.Info => "#2196F3",
        NotificationLevel.Success => "#00C853",
        NotificationLevel.Warn => "#FF9800",
        NotificationLevel.Error => "#F44336",
        NotificationLevel.Fatal => "#B71C1C",
        _ => "#9E9E9E",
    };
}
