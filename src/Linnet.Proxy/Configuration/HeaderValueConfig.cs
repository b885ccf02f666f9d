namespace Linnet.Proxy.Configuration;

/// <summary>A header name and value.</summary>
public sealed record HeaderValueConfig(string Name, string Value);
