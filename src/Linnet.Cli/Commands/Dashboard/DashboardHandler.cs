using System.Text.Json.Nodes;
using Linnet.Cli.Api;
using Linnet.Cli.Output;

namespace Linnet.Cli.Commands.Dashboard;

/// <summary><c>linnet dashboard</c>: asks the control plane (with the admin credential) for a one-time sign-in
/// code and prints the URL that carries it; with <c>--open</c> also hands it to the browser. The browser trades
/// the code for a session cookie and lands on the clean URL, so the code is neither reusable nor left in the
/// address bar.</summary>
internal sealed class DashboardHandler(ControlPlaneClient client, Printer printer, Func<Uri, string?> open)
{
    public async Task<int> RunAsync(bool openBrowser, CancellationToken cancellationToken)
    {
        ApiResponse response;
        try
        {
            response = await client.DashboardCodeAsync(cancellationToken);
        }
        catch (Exception ex) when ((ex is HttpRequestException or TaskCanceledException) && !cancellationToken.IsCancellationRequested)
        {
            printer.Error($"cannot reach the control plane at {client.BaseAddress}: {ex.Message} (is it up? `linnet up`)");
            return ExitCodes.Unreachable;
        }

        if (!response.IsSuccess)
        {
            printer.Error(response.Error);
            return ExitCodes.Failed;
        }

        var url = new Uri(client.BaseAddress, response.Body!["path"]!.GetValue<string>());
        var seconds = response.Body["expiresInSeconds"]?.GetValue<double>() ?? 0;
        if (printer.Format == OutputFormat.Table)
        {
            printer.Console.Profile.Out.Writer.WriteLine(url.AbsoluteUri);
            Console.Error.WriteLine($"Open this URL within {seconds:0} s; it signs one browser in once (run `linnet dashboard` again for another).");
        }
        else
        {
            printer.Print(new JsonObject { ["url"] = url.AbsoluteUri, ["expires"] = response.Body["expires"]?.DeepClone() }, () => throw new InvalidOperationException("not a table"));
        }

        if (openBrowser && open(url) is { } why)
        {
            printer.Warning($"{why}; open the URL yourself");
        }

        return ExitCodes.Ok;
    }
}
