using System.Globalization;
using System.Text.Json.Nodes;
using Linnet.Cli.Api;
using Linnet.Cli.Output;
using Spectre.Console;

namespace Linnet.Cli.Commands.Approvals;

/// <summary><c>linnet approvals</c>: lists approvals as a table (ID WORKLOAD UPDATE VOTES STATE DEADLINE) or as
/// the API's JSON, and votes.</summary>
internal sealed class ApprovalsHandler(ControlPlaneClient client, Printer printer)
{
    public async Task<int> ListAsync(CancellationToken cancellationToken)
    {
        var response = await CallAsync(() => client.ListApprovalsAsync(cancellationToken));
        if (response is null)
        {
            return ExitCodes.Unreachable;
        }

        if (!response.IsSuccess)
        {
            return Fail(response);
        }

        printer.Print(response.Body, () =>
        {
            var table = new Table().NoBorder().AddColumns("ID", "WORKLOAD", "UPDATE", "VOTES", "STATE", "DEADLINE");
            foreach (var approval in response.Body?.AsArray() ?? [])
            {
                table.AddRow(Row(approval!));
            }

            return table;
        });
        return ExitCodes.Ok;
    }

    public async Task<int> ActAsync(string id, string action, CancellationToken cancellationToken)
    {
        var response = await CallAsync(() => client.ActOnApprovalAsync(id, action, cancellationToken));
        if (response is null)
        {
            return ExitCodes.Unreachable;
        }

        if (!response.IsSuccess)
        {
            return Fail(response);
        }

        printer.Print(response.Body, () => new Table().NoBorder().AddColumns("ID", "WORKLOAD", "UPDATE", "VOTES", "STATE", "DEADLINE").AddRow(Row(response.Body!)));
        return ExitCodes.Ok;
    }

    private static string[] Row(JsonNode approval)
    {
        var state = Text(approval["state"]);
        var deadline = DateTimeOffset.TryParse(Text(approval["deadline"]), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture) : "-";
        return
        [
            Markup.Escape(Text(approval["id"])),
            Markup.Escape($"{Text(approval["namespace"])}/{Text(approval["workload"])}"),
            Markup.Escape($"{Text(approval["currentVersion"])} -> {Text(approval["newVersion"])}"),
            $"{approval["votesReceived"]}/{approval["votesRequired"]}",
            Markup.Escape(approval["reason"] is { } reason ? $"{state} ({reason})" : state),
            state == "pending" ? deadline : "-",
        ];
    }

    private static string Text(JsonNode? node) => node?.GetValue<string>() ?? "";

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

    private int Fail(ApiResponse response)
    {
        printer.Error(response.Error);
        return (int)response.Status is >= 400 and < 500 ? ExitCodes.Invalid : ExitCodes.Failed;
    }
}
