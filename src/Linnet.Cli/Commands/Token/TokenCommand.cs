using System.CommandLine;
using Linnet.Cli.Commands.Token.Create;
using Linnet.Cli.Commands.Token.Revoke;

namespace Linnet.Cli.Commands.Token;

/// <summary>Builds <c>linnet token</c>: workload tokens for proxies the supervisor does not run.</summary>
internal static class TokenCommand
{
    public static Command Create() => new("token", "Workload tokens: what a proxy shows the CA to get its certificate.")
    {
        TokenCreateCommand.Create(),
        TokenRevokeCommand.Create(),
    };
}
