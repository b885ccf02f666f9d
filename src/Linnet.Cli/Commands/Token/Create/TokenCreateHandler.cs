using Linnet.Api.Yaml;
using Linnet.Cli.Api;
using Linnet.Cli.Output;

namespace Linnet.Cli.Commands.Token.Create;

/// <summary><c>linnet token create</c>: the control plane signs the token (its key never leaves it). As a table,
/// only the token goes to stdout, so <c>linnet token create … &gt; token</c> writes a usable token file; the id
/// (for revocation) and the expiry go to stderr.</summary>
internal sealed class TokenCreateHandler(ControlPlaneClient client, Printer printer, TextWriter? notes = null)
{
    public async Task<int> RunAsync(string ns, string serviceAccount, string? ttl, CancellationToken cancellationToken)
    {
        if (ttl is not null && (!DurationParser.TryParse(ttl, out var parsed) || parsed <= TimeSpan.Zero))
        {
            printer.Error($"--ttl: '{ttl}' is not a duration (e.g. 24h, 30m)");
            return ExitCodes.Invalid;
        }

        ApiResponse response;
        try
        {
            response = await client.CreateTokenAsync(ns, serviceAccount, ttl, cancellationToken);
        }
        catch (Exception ex) when ((ex is HttpRequestException or TaskCanceledException) && !cancellationToken.IsCancellationRequested)
        {
            printer.Error($"cannot reach the control plane at {client.BaseAddress}: {ex.Message} (is it up? `linnet up`)");
            return ExitCodes.Unreachable;
        }

        if (!response.IsSuccess)
        {
            printer.Error(response.Error);
            return (int)response.Status == 400 ? ExitCodes.Invalid : ExitCodes.Failed;
        }

        var body = response.Body!;
        if (printer.Format == OutputFormat.Table)
        {
            printer.Console.Profile.Out.Writer.WriteLine(body["token"]?.GetValue<string>());
            (notes ?? Console.Error).WriteLine(
                $"token {body["id"]} for {body["identity"]}, expires {body["expiresAt"]}; revoke with `linnet token revoke {body["id"]}`");
        }
        else
        {
            printer.Print(body, () => throw new InvalidOperationException("not a table"));
        }

        return ExitCodes.Ok;
    }
}
