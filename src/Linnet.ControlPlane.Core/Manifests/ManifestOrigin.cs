namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>Who wrote a document: a user (apply) or the store (reloading its own records).</summary>
public enum ManifestOrigin
{
    /// <summary>User manifests: platform-owned kinds and versions are refused.</summary>
    User,

    /// <summary>The store's own records: every kind and the metadata versions are accepted.</summary>
    Store,
}
