namespace Linnet.Proxy.Configuration;

/// <summary>A header name and value.</summary>
internal sealed record HeaderValueConfig(string Name, string Value);
