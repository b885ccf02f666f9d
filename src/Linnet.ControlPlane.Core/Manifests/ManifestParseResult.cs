using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>The resources of a manifest source, or every error in it. Never both: a source with one
/// invalid document yields no resources at all, so nothing is half-applied.</summary>
public sealed record ManifestParseResult(IReadOnlyList<Resource> Resources, IReadOnlyList<ManifestError> Errors)
{
    /// <summary>True when the source is valid.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>What is accepted but has no effect (an annotation in Linnet's domains it does not understand
    /// where it is written), in the same shape as errors.</summary>
    public IReadOnlyList<ManifestError> Warnings { get; init; } = [];
}
