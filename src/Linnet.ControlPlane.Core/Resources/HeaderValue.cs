namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A header name and value.</summary>
public sealed record HeaderValue(string Name, string Value);
