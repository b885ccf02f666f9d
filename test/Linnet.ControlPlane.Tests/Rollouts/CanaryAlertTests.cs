using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Notifications;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.ControlPlane.Tests.Rollouts;

/// <summary>Flagger's AlertProviders and <c>analysis.alerts</c> through the real canary controller, each provider's
/// message posted in its service's incoming-webhook format to a receiver on loopback.</summary>
public sealed class CanaryAlertTests : IAsyncLifetime
{
    private const string Failure = "Failed checks threshold reached 2";
    private TestControlPlane _cp = null!;
    private HookReceiver _chat = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _chat = await HookReceiver.StartAsync(Ct);

        // The secret: a target of the control plane's notifications file, named by an AlertProvider's secretRef.
        var secrets = new NotificationConfig([new NotificationTarget("on-call-slack", NotificationService.Slack, _chat.Url("secret-slack"))]);
        _cp = await TestControlPlane.StartAsync(Ct, options: new ControlPlaneOptions { Notifications = secrets });
    }

    public async ValueTask DisposeAsync()
    {
        await _cp.DisposeAsync();
        await _chat.DisposeAsync();
    }

    private string Provider(string name, string type, string extra = "") => $$"""
        apiVersion: flagger.app/v1beta1
        kind: AlertProvider
        metadata: { name: {{name}}, namespace: test }
        spec: { type: {{type}}, address: "{{_chat.Url(name)}}"{{extra}} }

        """;

    private const string SecretProvider = """
        apiVersion: flagger.app/v1beta1
        kind: AlertProvider
        metadata: { name: on-call, namespace: test }
        spec: { type: slack, secretRef: { name: on-call-slack } }

        """;

    private static string Workload(string version, int replicas) => $$"""
        apiVersion: linnet.io/v1alpha1
        kind: Workload
        metadata: { name: podinfo, namespace: test, labels: { app: podinfo } }
        spec: { command: /bin/podinfo, ports: [9898], replicas: {{replicas}}, version: "{{version}}" }

        """;

    // No traffic reaches the canary, so the success rate has no values: two failed checks, then a rollback.
    private const string Canary = """
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: { name: podinfo, namespace: test }
        spec:
          targetRef: { apiVersion: apps/v1, kind: Deployment, name: podinfo }
          service: { port: 9898 }
          analysis:
            interval: 1s
            threshold: 2
            stepWeight: 50
            metrics:
              - name: request-success-rate
                thresholdRange: { min: 99 }
                interval: 10s
            alerts:
              - { name: slack, severity: error, providerRef: { name: slack } }
              - { name: teams, severity: error, providerRef: { name: teams } }
              - { name: discord, severity: error, providerRef: { name: discord } }
              - { name: rocket, severity: error, providerRef: { name: rocket } }
              - { name: gchat, severity: error, providerRef: { name: gchat } }
              - { name: everything, severity: info, providerRef: { name: on-call, namespace: test } }

        """;

    private async Task<JsonObject> NextAsync(string path, Func<JsonObject, bool> match)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (_chat.Bodies(path).FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await _chat.Arrivals.Reader.ReadAsync(deadline.Token);
        }
    }

    [Fact]
    public async Task FailingCanary_EachProvider_GetsTheRollbackInItsServicesFormatWithWeightAndFailingMetric()
    {
        await _cp.ApplyOkAsync(Manifests.Join(
            Provider("slack", "slack", ", channel: \"#deploys\", username: linnet"), Provider("teams", "msteams"), Provider("discord", "discord"),
            Provider("rocket", "rocket", ", channel: \"#deploys\", username: linnet"), Provider("gchat", "gchat"), SecretProvider,
            Workload("1", 1), Canary), Ct);
        await _cp.CommitAsStoreAsync(Manifests.Join(Manifests.Instance("podinfo-primary-0", "podinfo-primary", "127.0.0.2", "test"), Manifests.Instance("podinfo-0", "podinfo", "127.0.0.3", "test")), Ct);
        await NextAsync("secret-slack", b => ((string?)b["attachments"]![0]!["text"])!.StartsWith("New Workload detected", StringComparison.Ordinal));
        await _cp.ApplyOkAsync(Workload("2", 0), Ct);

        // Slack incoming webhook: text, one attachment (title, text, fields), channel and username.
        var slack = await NextAsync("slack", _ => true);
        Assert.Equal(("#deploys", "linnet"), ((string?)slack["channel"], (string?)slack["username"]));
        var attachment = slack["attachments"]![0]!;
        Assert.Equal(("podinfo.test", Failure), ((string?)attachment["title"], (string?)attachment["text"]));
        var fields = attachment["fields"]!.AsArray().ToDictionary(f => (string)f!["title"]!, f => (string?)f!["value"]);
        Assert.Equal("50%", fields["Canary weight"]);
        Assert.Equal("no values (wanted &gt;= 99)", fields["request-success-rate"]);

        // Teams: an Adaptive Card attachment with the title, the message and a FactSet.
        var teams = await NextAsync("teams", _ => true);
        Assert.Equal("message", (string?)teams["type"]);
        var card = teams["attachments"]![0]!;
        Assert.Equal("application/vnd.microsoft.card.adaptive", (string?)card["contentType"]);
        var body = card["content"]!["body"]!.AsArray();
        Assert.Equal(("podinfo.test", Failure), ((string?)body[0]!["text"], (string?)body[1]!["text"]));
        Assert.Contains(body[2]!["facts"]!.AsArray(), f => (string?)f!["title"] == "Canary weight" && (string?)f["value"] == "50%");

        // Discord: one embed (title, description, fields), mentions off.
        var discord = await NextAsync("discord", _ => true);
        var embed = discord["embeds"]![0]!;
        Assert.Equal(("podinfo.test", Failure), ((string?)embed["title"], (string?)embed["description"]));
        Assert.Contains(embed["fields"]!.AsArray(), f => (string?)f!["name"] == "request-success-rate" && (string?)f["value"] == "no values (wanted >= 99)");
        Assert.Empty(discord["allowed_mentions"]!["parse"]!.AsArray());

        // Rocket.Chat: text, alias (the username), channel, an attachment with the message.
        var rocket = await NextAsync("rocket", _ => true);
        Assert.Equal(("#deploys", "linnet", Failure), ((string?)rocket["channel"], (string?)rocket["alias"], (string?)rocket["attachments"]![0]!["text"]));

        // Google Chat: a text message with the title in bold, the message and a line per fact.
        var gchat = (string?)(await NextAsync("gchat", _ => true))["text"];
        Assert.StartsWith("*podinfo.test*", gchat, StringComparison.Ordinal);
        Assert.Contains(Failure, gchat, StringComparison.Ordinal);
        Assert.Contains("Canary weight", gchat, StringComparison.Ordinal);

        // Severity error: nothing but the failure; severity info (through the secretRef): the start with Flagger's
        // metadata fields, and the failure.
        Assert.All(new[] { "slack", "teams", "discord", "rocket", "gchat" }, p => Assert.Single(_chat.Bodies(p)));
        var start = await NextAsync("secret-slack", b => (string?)b["attachments"]![0]!["text"] == "New revision detected, progressing canary analysis.");
        var startFields = start["attachments"]![0]!["fields"]!.AsArray().ToDictionary(f => (string)f!["title"]!, f => (string?)f!["value"]);
        Assert.Equal(("Workload/podinfo.test", "2", "Weight step: 50 max: 100"), (startFields["Target"], startFields["Failed checks threshold"], startFields["Traffic routing"]));
        await NextAsync("secret-slack", b => (string?)b["attachments"]![0]!["text"] == Failure);
    }
}
