using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>The resources of a manifest source, or every error in it. Never both: a source with one
/// invalid document yields no resources at all, so nothing is half-applied.</summary>
public sealed record ManifestParseResult(IReadOnlyList<Resource> Resources, IReadOnlyList<ManifestError> Errors)
{
    /// <summary>True when the source is valid.</summary>
    public bool IsValid => Errors.Count == 0;
}
