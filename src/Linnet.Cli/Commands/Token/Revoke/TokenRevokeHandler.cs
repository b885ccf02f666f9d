using Linnet.Cli.Api;

namespace Linnet.Cli.Commands.Token.Revoke;

/// <summary><c>linnet token revoke ID</c>: persisted by the control plane before it answers.</summary>
internal sealed class TokenRevokeHandler(ControlPlaneClient client, TextWriter output, TextWriter errors)
{
    public async Task<int> RunAsync(string id, CancellationToken cancellationToken)
    {
        ApiResponse response;
        try
        {
            response = await client.RevokeTokenAsync(id, cancellationToken);
        }
        catch (Exception ex) when ((ex is HttpRequestException or TaskCanceledException) && !cancellationToken.IsCancellationRequested)
        {
            await errors.WriteLineAsync($"error: cannot reach the control plane at {client.BaseAddress}: {ex.Message} (is it up? `linnet up`)");
            return ExitCodes.Unreachable;
        }

        if (!response.IsSuccess)
        {
            await errors.WriteLineAsync($"error: {response.Error}");
            return (int)response.Status == 400 ? ExitCodes.Invalid : ExitCodes.Failed;
        }

        var already = response.Body?["alreadyRevoked"]?.GetValue<bool>() == true;
        await output.WriteLineAsync(already ? $"token {id} was already revoked" : $"token {id} revoked");
        return ExitCodes.Ok;
    }
}
