using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Linnet.Bench.ControlPlane;

/// <summary>The app behind every proxy of the scrape benchmark: one Kestrel listening on each proxy's address,
/// port 8080 (the proxies' <c>appHost</c>/<c>appPort</c>). <c>/err</c> answers 500, <c>/slow</c> after 20 ms,
/// anything else 200: traffic through the proxies then leaves the series a real workload's proxy exports
/// (successes and failures, latency buckets, inbound and outbound with <c>dst_*</c> labels).</summary>
internal sealed class ScrapeApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScrapeApp(WebApplication app) => _app = app;

    public static async Task<ScrapeApp> StartAsync(int proxies, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            for (var i = 0; i < proxies; i++)
            {
                k.Listen(IPAddress.Parse(ProxyFleet.Address(i)), 8080);
            }
        });
        var app = builder.Build();
        app.Map("/{**path}", async (HttpContext context) =>
        {
            var path = context.Request.Path.Value ?? "/";
            if (path.StartsWith("/slow", StringComparison.Ordinal))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), context.RequestAborted);
            }

            return path.StartsWith("/err", StringComparison.Ordinal) ? Results.Text("failed\n", statusCode: StatusCodes.Status500InternalServerError) : Results.Text("ok\n");
        });
        await app.StartAsync(ct);
        return new ScrapeApp(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
