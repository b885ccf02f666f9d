namespace Linnet.Registry;

/// <summary>Limits and retry behaviour of <see cref="RegistryClient"/>.</summary>
public sealed record RegistryClientOptions
{
    /// <summary>How many times a rate-limited (429) or unavailable (503) request is retried.</summary>
    public int MaxRateLimitRetries { get; init; } = 5;

    /// <summary>The longest <c>Retry-After</c> that is waited out; a longer one fails the request with the time to
    /// retry in the message rather than holding the caller.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The first backoff when a 429/503 carries no <c>Retry-After</c>; doubled each time.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The largest backoff without <c>Retry-After</c>.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times an interrupted blob download is resumed (with <c>Range</c>) within one pull.</summary>
    public int MaxResumes { get; init; } = 5;

    /// <summary>The largest manifest, index or config accepted (containerd's limit).</summary>
    public int MaxManifestBytes { get; init; } = 4 << 20;

    /// <summary>The platform chosen from an index.</summary>
    public string Os { get; init; } = "linux";

    /// <summary>The architecture chosen from an index.</summary>
    public string Architecture { get; init; } = "amd64";
}
