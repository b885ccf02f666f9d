using Linnet.Proxy.Configuration;
using Linnet.Proxy.Http.Stages;
using Linnet.Proxy.Mirroring;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Proxy.Tests.Http.Stages;

public sealed class MirrorStageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task InvokeAsync_MirrorAtHundredPercent_TheShadowGetsACopyOfTheBodyAndThePrimaryItsOwn()
    {
        await using var shadow = await HookReceiver.StartAsync(Ct);
        var svc = TestProxy.Service("svc", 80, 9001) with
        {
            Routes = [new RouteConfig("r", [ForwardStageHarness.Rule("svc:80") with { Mirror = new MirrorConfig("shadow:80", 100) }])],
        };
        using var harness = new ForwardStageHarness([svc, TestProxy.Service("shadow", 80, shadow.EndPoint.Port)]);
        var request = harness.WithSeries(harness.Outbound("svc", body: """{"copy":"me"}"""));
        var mirror = new RequestMirror(harness.Clients, TimeProvider.System, NullLogger.Instance);
        string? primaryBody = null;

        await new MirrorStage(mirror, new Random(1)).InvokeAsync(request, async r =>
        {
            primaryBody = await new StreamReader(r.Context.Request.Body).ReadToEndAsync(Ct);
        });

        var copy = await shadow.NextAsync(Ct);
        Assert.Equal("me", copy.Body["copy"]!.GetValue<string>());
        Assert.Equal("""{"copy":"me"}""", primaryBody);
        Assert.NotNull(request.KeptBody);
        Assert.Equal(1, harness.Stages.Scrape().Sum("outbound_http_route_mirror_requests_total", ("result", "sent")));
    }

    [Fact]
    public async Task InvokeAsync_RuleWithoutPolicy_NothingKeptNothingMirrored()
    {
        using var harness = new ForwardStageHarness([TestProxy.Service("svc", 80, 9001)]);
        var request = harness.Outbound("svc");
        var mirror = new RequestMirror(harness.Clients, TimeProvider.System, NullLogger.Instance);
        var passed = false;

        await new MirrorStage(mirror, new Random(1)).InvokeAsync(request, _ =>
        {
            passed = true;
            return Task.CompletedTask;
        });

        Assert.True(passed);
        Assert.Null(request.KeptBody);
        Assert.Equal(0, mirror.InFlight);
    }
}
