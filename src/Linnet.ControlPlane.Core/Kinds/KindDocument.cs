using Linnet.Api.Validation;
using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>One document handed to a kind's reader: the generic parts already read (apiVersion, metadata),
/// spec and status still to read, and where errors go (with their field paths).</summary>
/// <param name="ApiVersion">The document's apiVersion (already checked against the kind's versions).</param>
/// <param name="Metadata">The metadata, or null when it was missing or invalid (the reader then returns null).</param>
/// <param name="Spec">The <c>spec</c> mapping (may not exist).</param>
/// <param name="Status">The <c>status</c> mapping; read only from the store's own records.</param>
/// <param name="Origin">Who wrote the document.</param>
/// <param name="Errors">Where the reader adds its errors.</param>
public sealed record KindDocument(string? ApiVersion, ObjectMeta? Metadata, YamlMap Spec, YamlMap Status, ManifestOrigin Origin, List<FieldError> Errors)
{
    /// <summary>Whether the status is to be read: only the store's own records carry one (a user's is refused).</summary>
    public bool ReadsStatus => Origin == ManifestOrigin.Store;
}
