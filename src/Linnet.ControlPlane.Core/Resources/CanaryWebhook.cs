namespace Linnet.ControlPlane.Core.Resources;

/// <summary>One of Flagger's <c>analysis.webhooks</c>: an HTTP POST of Flagger's payload at a point of the
/// analysis (<see cref="CanaryHookTypes"/>), whose answer gates, fails or rolls back the canary as Flagger's
/// scheduler does.</summary>
/// <param name="Type">One of <see cref="CanaryHookTypes"/> (Flagger: empty means <c>rollout</c>).</param>
/// <param name="Name">Its name, in events.</param>
/// <param name="Url">An absolute http(s) URL; a host <c>&lt;service&gt;.&lt;namespace&gt;</c> is a mesh Service.</param>
public sealed record CanaryWebhook(string Type, string Name, Uri Url)
{
    /// <summary>Per-attempt timeout (Flagger's default 10s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after a connection error, a 5xx (but 501) or a 429, with Flagger's (go-retryablehttp's) backoff.</summary>
    public int Retries { get; init; }

    /// <summary>Sent as the payload's <c>metadata</c>.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>No alert for this hook's gate waiting.</summary>
    public bool MuteAlert { get; init; }

    /// <inheritdoc />
    public bool Equals(CanaryWebhook? other) =>
        other is not null && Type == other.Type && Name == other.Name && Url == other.Url && Timeout == other.Timeout
        && Retries == other.Retries && MuteAlert == other.MuteAlert && DictionaryEquality.Equal(Metadata, other.Metadata);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, Name, Url);
}
