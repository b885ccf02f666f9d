namespace Linnet.Cli.Commands.Demo;

/// <summary>What <c>linnet demo</c> was asked to do.</summary>
/// <param name="Duration">How long to run; null runs until Ctrl-C.</param>
/// <param name="RefreshInterval">How often the table of live metrics is printed.</param>
internal sealed record DemoOptions(TimeSpan? Duration, TimeSpan RefreshInterval)
{
    /// <summary>Instances run as isolated pods (as root, by default); null: on loopback addresses.</summary>
    public Linnet.Platform.Universal.Isolation.IsolationOptions? Isolation { get; init; }

    /// <summary>Run the releases (a Canary for backend, a good v2, a bad v3) beside the figures.</summary>
    public bool Rollout { get; init; } = true;

    /// <summary>Why instances are not isolated, when they are not.</summary>
    public string? NotIsolated { get; init; }
}
