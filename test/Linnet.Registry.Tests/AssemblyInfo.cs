using System.Runtime.Versioning;

// The registry tests run Debian's docker-registry and check Unix file modes.
[assembly: SupportedOSPlatform("linux")]
