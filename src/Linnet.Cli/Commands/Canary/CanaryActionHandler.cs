using System.Net;
using System.Text.Json.Nodes;
using Linnet.Cli.Api;

namespace Linnet.Cli.Commands.Canary;

/// <summary><c>linnet canary ACTION NAME</c>: records the command, then waits (a bounded time) for the canary
/// controller to apply or refuse it, and says which.</summary>
internal sealed class CanaryActionHandler(ControlPlaneClient client, TimeProvider time, TextWriter output, TextWriter errors)
{
    /// <summary>How long to wait for the controller (it applies a command at its next tick, 250 ms).</summary>
    public static readonly TimeSpan OutcomeTimeout = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    public async Task<int> RunAsync(string ns, string name, string action, CancellationToken cancellationToken)
    {
        ApiResponse response;
        try
        {
            response = await client.CanaryCommandAsync(ns, name, action, cancellationToken);
        }
        catch (Exception ex) when ((ex is HttpRequestException or TaskCanceledException) && !cancellationToken.IsCancellationRequested)
        {
            await errors.WriteLineAsync($"error: cannot reach the control plane at {client.BaseAddress}: {ex.Message} (is it up? `linnet up`)");
            return ExitCodes.Unreachable;
        }

        if (!response.IsSuccess)
        {
            await errors.WriteLineAsync($"error: {response.Error}");
            return response.Status is HttpStatusCode.BadRequest or HttpStatusCode.NotFound ? ExitCodes.Invalid : ExitCodes.Failed;
        }

        var at = response.Body?["command"]?["at"]?.GetValue<string>();
        var deadline = time.GetUtcNow() + OutcomeTimeout;
        while (time.GetUtcNow() < deadline)
        {
            var canary = await client.GetAsync("Canary", ns, name, cancellationToken);
            var command = canary.Body?["status"]?["command"];
            if (canary.IsSuccess && command?["at"]?.GetValue<string>() == at && Outcome(command) is { } outcome and not "Pending")
            {
                var message = command!["message"]?.GetValue<string>() ?? "";
                if (outcome == "Applied")
                {
                    await output.WriteLineAsync($"canary {ns}/{name}: {message}");
                    return ExitCodes.Ok;
                }

                await errors.WriteLineAsync($"error: canary {ns}/{name}: {action} refused: {message}");
                return ExitCodes.Failed;
            }

            await Task.Delay(Poll, time, cancellationToken);
        }

        await errors.WriteLineAsync($"canary {ns}/{name}: {action} recorded, not applied within {OutcomeTimeout.TotalSeconds:0}s (is the control plane's canary controller running? `linnet describe canary {name}` shows its events)");
        return ExitCodes.Failed;
    }

    private static string? Outcome(JsonNode? command) => command?["outcome"]?.GetValue<string>();
}
