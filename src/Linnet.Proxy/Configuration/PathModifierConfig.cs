namespace Linnet.Proxy.Configuration;

/// <summary>A path change of a rewrite or redirect (Gateway API <c>HTTPPathModifier</c>).</summary>
internal sealed record PathModifierConfig(PathModifierType Type, string Value);
