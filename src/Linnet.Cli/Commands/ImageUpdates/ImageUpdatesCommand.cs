using System.CommandLine;

namespace Linnet.Cli.Commands.ImageUpdates;

/// <summary>Builds <c>linnet image-updates list | clear WORKLOAD</c>: the release loop's verdicts (a Canary's
/// promotion or rollback of an image a policy brought), and forgetting a workload's rolled-back versions.</summary>
internal static class ImageUpdatesCommand
{
    public static Command Create()
    {
        var listOutput = CliOptions.Output();
        var list = new Command("list", "Every release verdict: workload, image, promoted or rolled back, and why.") { listOutput };
        list.SetAction((parse, cancellationToken) =>
            new ImageUpdatesHandler(CliOptions.Client(parse), CliOptions.Printer(parse, listOutput)).ListAsync(cancellationToken));

        var workload = new Argument<string>("workload") { Description = "The Workload whose rolled-back versions to forget." };
        var ns = CliOptions.Namespace();
        var clearOutput = CliOptions.Output();
        var clear = new Command("clear", "Forget a workload's rolled-back versions: the next push or poll may try them again.") { workload, ns, clearOutput };
        clear.SetAction((parse, cancellationToken) =>
            new ImageUpdatesHandler(CliOptions.Client(parse), CliOptions.Printer(parse, clearOutput)).ClearAsync(parse.GetValue(ns)!, parse.GetValue(workload)!, cancellationToken));

        return new Command("image-updates", "The closed release loop: image updates judged by a Canary.") { list, clear };
    }
}
