namespace Linnet.Cli.Commands.ControlPlane;

/// <summary>The HTTP API's settings given on the command line: the longest token lifetime and extra host names.</summary>
internal sealed record ApiSecurity(TimeSpan TokenMaxLifetime, IReadOnlyList<string> HostNames);
