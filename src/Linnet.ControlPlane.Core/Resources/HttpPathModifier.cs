namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Gateway API <c>HTTPPathModifier</c>: <c>ReplaceFullPath</c> or <c>ReplacePrefixMatch</c> and the value.</summary>
public sealed record HttpPathModifier(string Type, string Value)
{
    /// <summary>The whole path is replaced.</summary>
    public const string ReplaceFullPath = "ReplaceFullPath";

    /// <summary>The rule's PathPrefix match is replaced.</summary>
    public const string ReplacePrefixMatch = "ReplacePrefixMatch";
}
