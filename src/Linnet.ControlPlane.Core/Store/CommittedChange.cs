using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Store;

/// <summary>What a commit did to one resource, as it must be persisted: the stored resource (with its new
/// versions), or null for a delete.</summary>
public sealed record CommittedChange(ResourceKey Key, Resource? Resource);
