namespace Linnet.Platform.Kubernetes.Injection;

/// <summary>What <see cref="ManifestInjector.Inject"/> made of a stream.</summary>
/// <param name="Output">The injected YAML (empty when anything was refused).</param>
/// <param name="Report">One line per workload: injected, or skipped and why.</param>
/// <param name="Errors">What was refused: source, document, field path and reason.</param>
public sealed record ManifestInjection(string Output, IReadOnlyList<string> Report, IReadOnlyList<string> Errors);
