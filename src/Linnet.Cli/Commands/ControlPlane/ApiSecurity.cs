namespace Linnet.Cli.Commands.ControlPlane;

/// <summary>The HTTP API's settings given on the command line: the longest token lifetime, extra host names, and
/// headers tap redacts besides the built-in ones.</summary>
internal sealed record ApiSecurity(TimeSpan TokenMaxLifetime, IReadOnlyList<string> HostNames)
{
    public IReadOnlyList<string> TapSecretHeaders { get; init; } = [];
}
