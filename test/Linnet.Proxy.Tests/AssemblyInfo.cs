using System.Runtime.Versioning;

// The proxy and its tests are Linux-only: SO_ORIGINAL_DST, network namespaces, iptables, signals.
[assembly: SupportedOSPlatform("linux")]
