namespace Linnet.Proxy.Configuration;

/// <summary>Holds when its path condition (if any) and every header condition hold.</summary>
public sealed record RouteMatchConfig(PathMatchConfig? Path, IReadOnlyList<HeaderMatchConfig> Headers);
