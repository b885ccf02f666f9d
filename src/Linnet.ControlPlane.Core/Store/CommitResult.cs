using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Store;

/// <summary>The outcome of a commit: its revision, and each change's effect (the stored resource, or null
/// for deletes). A commit that changed nothing keeps the current revision and emits no events.</summary>
public sealed record CommitResult(long Revision, IReadOnlyList<Resource?> Results, IReadOnlyList<WatchEvent> Events);
