namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>Why a manifest was rejected: which document, which resource, which field, and why.</summary>
/// <param name="Source">The file or request it came from.</param>
/// <param name="Document">1-based index of the YAML document in the source.</param>
/// <param name="Resource"><c>Kind/name</c> when known.</param>
/// <param name="Path">The field path, e.g. <c>spec.ports[0].port</c>.</param>
/// <param name="Reason">What is wrong.</param>
public sealed record ManifestError(string Source, int Document, string? Resource, string Path, string Reason)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Source}: document {Document}{(Resource is null ? "" : $" ({Resource})")}: {Path}: {Reason}";
}
