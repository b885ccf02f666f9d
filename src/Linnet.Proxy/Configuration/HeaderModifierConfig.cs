namespace Linnet.Proxy.Configuration;

/// <summary>Header changes (Gateway API <c>HTTPHeaderFilter</c>), applied in the order remove, set, add.
/// Names are case-insensitive.</summary>
/// <param name="Set">Replace the header's values with this one (add it when absent).</param>
/// <param name="Add">Append a value to the header (add it when absent).</param>
/// <param name="Remove">Drop the header.</param>
internal sealed record HeaderModifierConfig(IReadOnlyList<HeaderValueConfig> Set, IReadOnlyList<HeaderValueConfig> Add, IReadOnlyList<string> Remove);
