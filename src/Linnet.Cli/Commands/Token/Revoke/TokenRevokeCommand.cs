using System.CommandLine;

namespace Linnet.Cli.Commands.Token.Revoke;

/// <summary>Builds <c>linnet token revoke</c>.</summary>
internal static class TokenRevokeCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "The token's id, as `linnet token create` printed it." };
        var command = new Command("revoke", "Revoke a token: the CA refuses it from now on (certificates already issued run out at their expiry).") { id };
        command.SetAction((parse, cancellationToken) =>
            new TokenRevokeHandler(CliOptions.Client(parse), Console.Out, Console.Error).RunAsync(parse.GetValue(id)!, cancellationToken));
        return command;
    }
}
