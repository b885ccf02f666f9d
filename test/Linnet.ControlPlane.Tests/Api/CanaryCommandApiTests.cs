using System.Net;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Tests.Infrastructure;

namespace Linnet.ControlPlane.Tests.Api;

/// <summary><c>POST /api/v1/canaries/{ns}/{name}/{action}</c>: what it records, and what it refuses (the
/// credential checks are in ApiAuthenticationTests, with every other route).</summary>
public sealed class CanaryCommandApiTests : IAsyncLifetime
{
    // The target Workload does not exist: the controller leaves a recorded command pending, so the test sees it as the API wrote it.
    private const string Canary = """
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: { name: web }
        spec:
          targetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
          service: { port: 80 }
          analysis:
            interval: 1m
            stepWeight: 10
            metrics:
              - name: request-success-rate
                thresholdRange: { min: 99 }

        """;

    private static readonly ResourceKey Key = new(CanaryResource.KindName, "default", "web");

    private TestControlPlane _cp = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _cp = await TestControlPlane.StartAsync(Ct);
        await _cp.ApplyOkAsync(Canary, Ct);
    }

    public ValueTask DisposeAsync() => _cp.DisposeAsync();

    private async Task SetStatusAsync(CanaryStatus status)
    {
        for (var attempt = 0; ; attempt++)
        {
            var stored = (CanaryResource)_cp.Store.Find(Key)!;
            try
            {
                await _cp.Store.CommitAsync([new PutChange(stored with { Status = status }) { ExpectedVersion = stored.Metadata.ResourceVersion }], Ct);
                return;
            }
            catch (ConflictException) when (attempt < 5)
            {
                // The controller wrote its own status in between.
            }
        }
    }

    [Fact]
    public async Task Post_PromoteOnAnalysingCanary_202RecordedWithCallerAndTime()
    {
        await SetStatusAsync(new CanaryStatus { Phase = CanaryPhases.Progressing, CanaryWeight = 20 });

        var (status, body) = await _cp.SendAsync(HttpMethod.Post, "/api/v1/canaries/default/web/promote", Ct);

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(("promote", "admin", "Pending"), ((string?)body["command"]!["action"], (string?)body["command"]!["by"], (string?)body["command"]!["outcome"]));
        var command = ((CanaryResource)_cp.Store.Find(Key)!).Status.Command!;
        Assert.Equal((CanaryCommands.Promote, "admin"), (command.Action, command.By));
        Assert.Equal(DateTimeOffset.Parse((string)body["command"]!["at"]!, System.Globalization.CultureInfo.InvariantCulture), command.At);
        Assert.Contains(((CanaryResource)_cp.Store.Find(Key)!).Status.Events, e => e.Message == "promote requested by admin");
    }

    [Fact]
    public async Task Post_SecondCommandWhileOneIsPending_409()
    {
        await SetStatusAsync(new CanaryStatus { Phase = CanaryPhases.Progressing, CanaryWeight = 20 });
        var (first, _) = await _cp.SendAsync(HttpMethod.Post, "/api/v1/canaries/default/web/pause", Ct);
        Assert.Equal(HttpStatusCode.Accepted, first);

        var (status, body) = await _cp.SendAsync(HttpMethod.Post, "/api/v1/canaries/default/web/abort", Ct);

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("a pause by admin is not applied yet", (string?)body["error"], StringComparison.Ordinal);
        Assert.Equal(CanaryCommands.Pause, ((CanaryResource)_cp.Store.Find(Key)!).Status.Command!.Action);
    }

    [Theory]
    [InlineData("promote", "promote applies to a canary under analysis (Progressing); this one is Succeeded")]
    [InlineData("resume", "the canary is not paused")]
    [InlineData("rollback", "nothing to roll back: the canary is Succeeded and no previous primary is kept warm")]
    public async Task Post_CommandThatDoesNotApply_409WithTheReasonAndNothingWritten(string action, string reason)
    {
        await SetStatusAsync(new CanaryStatus { Phase = CanaryPhases.Succeeded });

        var (status, body) = await _cp.SendAsync(HttpMethod.Post, $"/api/v1/canaries/default/web/{action}", Ct);

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains(reason, (string?)body["error"], StringComparison.Ordinal);
        Assert.Null(((CanaryResource)_cp.Store.Find(Key)!).Status.Command);
    }

    [Fact]
    public async Task Post_UnknownAction_400NamingTheCommands()
    {
        var (status, body) = await _cp.SendAsync(HttpMethod.Post, "/api/v1/canaries/default/web/delete", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("'delete' is not a canary command (one of: promote, abort, pause, resume, rollback)", (string?)body["error"]);
    }

    [Fact]
    public async Task Post_UnknownCanary_404()
    {
        var (status, body) = await _cp.SendAsync(HttpMethod.Post, "/api/v1/canaries/default/nope/abort", Ct);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("Canary/default/nope not found", (string?)body["error"]);
    }

    [Fact]
    public async Task Post_SuspendedCanary_409()
    {
        await _cp.ApplyOkAsync(Canary.Replace("  service:", "  suspend: true\n  service:", StringComparison.Ordinal), Ct);
        await SetStatusAsync(new CanaryStatus { Phase = CanaryPhases.Progressing });

        var (status, body) = await _cp.SendAsync(HttpMethod.Post, "/api/v1/canaries/default/web/pause", Ct);

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("suspended", (string?)body["error"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_WithAPlainTextBody_415()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/canaries/default/web/abort") { Content = new StringContent("abort") };

        using var response = await _cp.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }
}
