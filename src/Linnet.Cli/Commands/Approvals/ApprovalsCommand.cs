using System.CommandLine;
using Linnet.Cli.Output;

namespace Linnet.Cli.Commands.Approvals;

/// <summary>Builds <c>linnet approvals list | approve | reject</c>: Keel's approvals of image updates
/// (<c>keel.sh/approvals</c>). A vote is cast as the caller's credential (the admin's, or an approver's given
/// with <c>--token</c> / <c>LINNET_TOKEN</c>).</summary>
internal static class ApprovalsCommand
{
    public static Command Create()
    {
        var list = new Command("list", "Every approval: pending ones with their votes and deadline, decided ones with how they ended.");
        var listOutput = CliOptions.Output();
        list.Options.Add(listOutput);
        list.SetAction((parse, cancellationToken) =>
            new ApprovalsHandler(CliOptions.Client(parse), CliOptions.Printer(parse, listOutput)).ListAsync(cancellationToken));
        return new Command("approvals", "Image updates waiting for votes (keel.sh/approvals).")
        {
            list,
            Vote("approve", "Approve an update as yourself; the last vote needed runs it, with the approved digest."),
            Vote("reject", "Reject an update: it is recorded and notified, and that version is not asked for again."),
        };
    }

    private static Command Vote(string action, string description)
    {
        var id = new Argument<string>("approval") { Description = "The approval's id (from `linnet approvals list`) or Keel's identifier, workload/<namespace>/<name>:<tag>." };
        var output = CliOptions.Output();
        var command = new Command(action, description) { id, output };
        command.SetAction((parse, cancellationToken) =>
            new ApprovalsHandler(CliOptions.Client(parse), CliOptions.Printer(parse, output)).ActAsync(parse.GetValue(id)!, action, cancellationToken));
        return command;
    }
}
