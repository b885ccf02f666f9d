using System.Net;
using System.Text;
using Linnet.Cli.Api;
using Linnet.Cli.Commands.Get;
using Linnet.Cli.Output;
using Linnet.ControlPlane;
using Linnet.ControlPlane.Core.Store;
using Spectre.Console;

namespace Linnet.Cli.Tests.Commands.GetImagePolicies;

/// <summary><c>linnet get imagepolicies</c> against a real control plane: the ImagePolicy applied through the API
/// shown with its target, policy, trigger, approvals and channels.</summary>
public sealed class GetImagePoliciesTests
{
    [Fact]
    public async Task Run_AppliedImagePolicy_TableShowsTargetPolicyTriggerApprovalsChannels()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await CliControlPlane.StartAsync(ct);
        var client = cp.Client;
        using (var http = new HttpClient())
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", cp.AdminToken);
            using var content = new StringContent("""
                apiVersion: linnet.io/v1alpha1
                kind: ImagePolicy
                metadata: { name: web-updates }
                spec:
                  targetRef: { kind: Workload, name: web }
                  policy: minor
                  trigger: poll
                  pollSchedule: "@every 5m"
                  approvals: 2
                  notify: ["#deploys", "#ops"]
                """, Encoding.UTF8, "application/yaml");
            using var applied = await http.PostAsync(new Uri($"http://{cp.Host.HttpEndPoint}/api/v1/apply"), content, ct);
            Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
        }

        var stdout = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout), Ansi = AnsiSupport.No });
        console.Profile.Width = 250;

        Assert.Equal("ImagePolicy", Linnet.ControlPlane.Core.Kinds.ResourceKinds.Resolve("imagepolicies")?.Name);
        Assert.Equal(0, await new GetHandler(client, new Printer(console, OutputFormat.Table)).RunAsync("ImagePolicy", null, "default", ct));

        var lines = stdout.ToString().Split('\n');
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"NAME\s+WORKLOAD\s+POLICY\s+TRIGGER\s+APPROVALS\s+NOTIFY"));
        var row = Assert.Single(lines, l => l.Contains("web-updates", StringComparison.Ordinal));
        Assert.Matches(@"web-updates\s+web\s+minor\s+poll @every 5m\s+2\s+#deploys,#ops", row);
    }
}
