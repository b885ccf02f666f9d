using Linnet.ControlPlane.Core.Resources;

namespace Linnet.Platform.Universal.Store;

/// <summary>One change of a WAL record: a put carries the stored resource as its JSON line; a delete, the key.</summary>
internal sealed record WalEntry(string? Json, ResourceKey? Deleted);
