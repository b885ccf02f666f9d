namespace Linnet.ControlPlane.Core.Resources;

/// <summary>An AlertProvider's spec: Flagger's <c>type</c>, <c>channel</c>, <c>username</c>, and <c>address</c>
/// or <c>secretRef.name</c>.</summary>
/// <param name="Type">Flagger's type as written: <c>slack</c>, <c>msteams</c>, <c>discord</c>, <c>rocket</c>, <c>gchat</c>.</param>
/// <param name="Address">The incoming-webhook URL given inline; null with <paramref name="SecretName"/>.</param>
/// <param name="SecretName">The notifications-file target holding the address; null with <paramref name="Address"/>.</param>
public sealed record AlertProviderSpec(string Type, Uri? Address, string? SecretName)
{
    /// <summary>The channel the message names (Slack, Rocket.Chat); null keeps the webhook's own.</summary>
    public string? Channel { get; init; }

    /// <summary>The name posted as; null keeps the webhook's own.</summary>
    public string? Username { get; init; }
}
