using System.Text.Json.Nodes;
using Linnet.Cli.Api;
using Linnet.Cli.Commands.Approvals;
using Linnet.Cli.Output;
using Linnet.ControlPlane;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Updates;
using Linnet.ControlPlane.Security;
using Spectre.Console;

namespace Linnet.Cli.Tests.Commands.Approvals;

/// <summary><c>linnet approvals list | approve | reject</c> through their handlers against a real control plane:
/// votes are cast as the caller's credential, the last one runs the approved image.</summary>
public sealed class ApprovalsCommandTests
{
    private const string AliceToken = "alice-token-0123456789abcdef0123456789";
    private const string Approved = "127.0.0.1:5000/shop/web:1.3.0@sha256:1111111111111111111111111111111111111111111111111111111111111111";

    [Fact]
    public async Task ListApprove_TwoVoters_TableThenWorkloadRunsTheApprovedImage()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await CliControlPlane.StartAsync(ct, o => o with { Approvers = ApproverCredentials.From([("alice", AliceToken)]) });
        var store = cp.Store;
        var approval = await SeedAsync(store, ct);

        var (printer, stdout) = NewPrinter(OutputFormat.Table);
        Assert.Equal(0, await new ApprovalsHandler(cp.Client, printer).ListAsync(ct));
        var row = stdout.ToString().Split('\n').Single(l => l.Contains(approval.Metadata.Name, StringComparison.Ordinal));
        Assert.Contains("default/web", row, StringComparison.Ordinal);
        Assert.Contains("1.2.0 -> 1.3.0", row, StringComparison.Ordinal);
        Assert.Contains("0/2", row, StringComparison.Ordinal);
        Assert.Contains("pending", row, StringComparison.Ordinal);

        (printer, stdout) = NewPrinter(OutputFormat.Json);
        Assert.Equal(0, await new ApprovalsHandler(cp.Client, printer).ActAsync(approval.Metadata.Name, "approve", ct));
        Assert.Equal(1, JsonNode.Parse(stdout.ToString())!["votesReceived"]!.GetValue<int>());

        var errors = new StringWriter();
        (printer, _) = NewPrinter(OutputFormat.Table, errors);
        Assert.Equal(ExitCodes.Invalid, await new ApprovalsHandler(cp.Client, printer).ActAsync(approval.Metadata.Name, "approve", ct));
        Assert.Contains("already approved", errors.ToString(), StringComparison.Ordinal);

        (printer, stdout) = NewPrinter(OutputFormat.Json);
        Assert.Equal(0, await new ApprovalsHandler(cp.ClientWith(AliceToken), printer).ActAsync("workload/default/web:1.3.0", "approve", ct));
        Assert.Equal("applied", JsonNode.Parse(stdout.ToString())!["state"]!.GetValue<string>());
        Assert.Equal(Approved, Assert.IsType<WorkloadResource>(store.Find(new ResourceKey(WorkloadResource.KindName, "default", "web"))).Spec.Image);
    }

    [Fact]
    public async Task Reject_Approver_RecordedWithTheVoter()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await CliControlPlane.StartAsync(ct, o => o with { Approvers = ApproverCredentials.From([("alice", AliceToken)]) });
        var store = cp.Store;
        var approval = await SeedAsync(store, ct);
        var (printer, stdout) = NewPrinter(OutputFormat.Table);

        Assert.Equal(0, await new ApprovalsHandler(cp.ClientWith(AliceToken), printer).ActAsync(approval.Metadata.Name, "reject", ct));

        Assert.Contains("rejected (rejected by alice)", stdout.ToString(), StringComparison.Ordinal);
        Assert.Equal(ApprovalStates.Rejected, Assert.IsType<ApprovalResource>(store.Find(approval.Key)).Spec.State);
    }

    private static async Task<ApprovalResource> SeedAsync(InMemoryResourceStore store, CancellationToken ct)
    {
        var workload = new WorkloadResource
        {
            Metadata = new ObjectMeta { Name = "web", Annotations = new Dictionary<string, string> { ["keel.sh/policy"] = "minor", ["keel.sh/approvals"] = "2" } },
            Spec = new WorkloadSpec(1, "default", "", [], [], null, [8080], [], null) { Image = "127.0.0.1:5000/shop/web:1.2.0" },
        };
        var approval = ApprovalRequests.Request(workload, Approved, 2, TimeSpan.FromHours(24), TimeProvider.System.GetUtcNow());
        await store.CommitAsync([new PutChange(workload), new PutChange(approval)], ct);
        return approval;
    }

    private static (Printer Printer, StringWriter Stdout) NewPrinter(OutputFormat format, TextWriter? errors = null)
    {
        var stdout = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No });
        console.Profile.Width = 250;
        return (new Printer(console, format, errors), stdout);
    }
}
