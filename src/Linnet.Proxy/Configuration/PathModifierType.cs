namespace Linnet.Proxy.Configuration;

/// <summary>How a rewrite or redirect changes the path (Gateway API <c>HTTPPathModifierType</c>).</summary>
internal enum PathModifierType
{
    /// <summary>The whole path becomes the value.</summary>
    ReplaceFullPath,

    /// <summary>The part of the path that the rule's <c>PathPrefix</c> match matched becomes the value.</summary>
    ReplacePrefixMatch,
}
