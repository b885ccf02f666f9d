namespace Linnet.ControlPlane.Core.Notifications;

/// <summary>One event to tell people about: an image update, an approval asked for, a canary's progress. The one
/// message model every notification format (<see cref="NotificationFormats"/>) renders.</summary>
/// <param name="Name">A short title (Keel's <c>name</c>: "update resource").</param>
/// <param name="Message">The sentence people read.</param>
/// <param name="Level">How much it matters; targets drop what is below their level.</param>
/// <param name="CreatedAt">When it happened.</param>
/// <param name="Type">Keel's event type as Keel writes it ("preparing deployment update", "deployment update"),
/// or what the caller's kind of event is called ("canary").</param>
/// <param name="ResourceKind">The kind of the resource it is about (<c>Workload</c>, <c>Canary</c>).</param>
/// <param name="Identifier">The resource, <c>namespace/name</c>.</param>
public sealed record Notification(string Name, string Message, NotificationLevel Level, DateTimeOffset CreatedAt, string Type, string ResourceKind, string Identifier)
{
    /// <summary>Facts shown as fields (Slack attachment fields, Teams facts, Discord embed fields), in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; init; } = [];

    /// <summary>Channels that replace a chat target's own (Keel's <c>keel.sh/notify</c>); empty keeps the
    /// target's channel. Only services that name channels in the message honour them (Slack, Mattermost,
    /// Rocket.Chat), as in Keel.</summary>
    public IReadOnlyList<string> Channels { get; init; } = [];
}
