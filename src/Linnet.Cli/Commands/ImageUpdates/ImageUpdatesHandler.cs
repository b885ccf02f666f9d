using Linnet.Cli.Api;
using Linnet.Cli.Output;
using Spectre.Console;

namespace Linnet.Cli.Commands.ImageUpdates;

/// <summary><c>linnet image-updates</c>: verdicts as a table (WORKLOAD IMAGE VERDICT REASONS) or the API's JSON.</summary>
internal sealed class ImageUpdatesHandler(ControlPlaneClient client, Printer printer)
{
    public async Task<int> ListAsync(CancellationToken cancellationToken)
    {
        var response = await CallAsync(() => client.ListImageUpdatesAsync(cancellationToken));
        if (response is null || !response.IsSuccess)
        {
            return Fail(response);
        }

        printer.Print(response.Body, () =>
        {
            var table = new Table().NoBorder().AddColumns("WORKLOAD", "IMAGE", "VERDICT", "REASONS");
            foreach (var verdict in response.Body?["verdicts"]?.AsArray() ?? [])
            {
                table.AddRow(
                    Markup.Escape($"{verdict?["namespace"]}/{verdict?["workload"]}"),
                    Markup.Escape(verdict?["image"]?.GetValue<string>() ?? ""),
                    Markup.Escape(verdict?["verdict"]?.GetValue<string>() ?? ""),
                    Markup.Escape(string.Join("; ", verdict?["reasons"]?.AsArray().Select(r => r?.GetValue<string>()) ?? [])));
            }

            return table;
        });
        return ExitCodes.Ok;
    }

    public async Task<int> ClearAsync(string ns, string workload, CancellationToken cancellationToken)
    {
        var response = await CallAsync(() => client.ClearImageUpdatesAsync(ns, workload, cancellationToken));
        if (response is null || !response.IsSuccess)
        {
            return Fail(response);
        }

        var cleared = response.Body?["cleared"]?.AsArray().Select(i => i?.GetValue<string>() ?? "").ToList() ?? [];
        printer.Print(response.Body, () =>
        {
            var table = new Table().NoBorder().AddColumns("CLEARED");
            foreach (var image in cleared)
            {
                table.AddRow(Markup.Escape(image));
            }

            return table;
        });
        return ExitCodes.Ok;
    }

    private async Task<ApiResponse?> CallAsync(Func<Task<ApiResponse>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            printer.Error($"cannot reach the control plane at {client.BaseAddress}: {ex.Message} (is it up? `linnet up`)");
            return null;
        }
    }

    private int Fail(ApiResponse? response)
    {
        if (response is null)
        {
            return ExitCodes.Unreachable;
        }

        printer.Error(response.Error);
        return (int)response.Status is >= 400 and < 500 ? ExitCodes.Invalid : ExitCodes.Failed;
    }
}
