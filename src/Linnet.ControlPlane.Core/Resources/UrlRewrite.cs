namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Gateway API <c>URLRewrite</c>: the forwarded request's Host and/or path.</summary>
public sealed record UrlRewrite(string? Hostname, HttpPathModifier? Path);
