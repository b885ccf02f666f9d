// The workload of the end-to-end traffic tests, started by the Linnet supervisor like any app (HOST, PORT,
// LINNET_INSTANCE, VERSION). Not a demo: it has the knobs the tests turn.
//
// HTTP mode (default), HTTP/1.1:
//   any path            "backend <instance> v<VERSION>", or 500 for FAIL_PERCENT % of requests (seeded draw)
//   /slow?ms=N          the same after N ms (default 5000), unless the caller goes away first
//   /drip?chunks=N&ms=M the head at once, then N lines "chunk <i>", one every M ms (a stream that is slow but never idle)
//   /stall?ms=N         the head and one line at once, then nothing for N ms, then the end (a stream that goes idle)
//   DELAY_MS=N          every answer N ms late (a slower revision, for canary analysis)
//   ?echo=NAME          (any path) the request's NAME header comes back as response header x-e2e-echo
//   GET  /_e2e/counts   what this instance answered, one line per first path segment: "<segment> <served> <failed>"
//   POST /_e2e/fail?percent=P   changes the failure share at run time
// gRPC mode (GRPC=1), h2c: linnet.testing.Echo with served_by = the instance name.
using System.Globalization;
using System.Net;
using Linnet.EndToEnd.App;
using Microsoft.AspNetCore.Server.Kestrel.Core;

var host = Environment.GetEnvironmentVariable("HOST") ?? "127.0.0.1";
var port = int.Parse(Environment.GetEnvironmentVariable("PORT") ?? "8080", CultureInfo.InvariantCulture);
var instance = Environment.GetEnvironmentVariable("LINNET_INSTANCE") ?? Environment.MachineName;
var version = Environment.GetEnvironmentVariable("VERSION") ?? "1";
var grpc = Environment.GetEnvironmentVariable("GRPC") == "1";
var failPercent = double.Parse(Environment.GetEnvironmentVariable("FAIL_PERCENT") ?? "0", CultureInfo.InvariantCulture);
var delayMs = int.Parse(Environment.GetEnvironmentVariable("DELAY_MS") ?? "0", CultureInfo.InvariantCulture);

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    k.Listen(IPAddress.Parse(host), port, o => o.Protocols = grpc ? HttpProtocols.Http2 : HttpProtocols.Http1);
});
if (grpc)
{
    builder.Services.AddGrpc();
    builder.Services.AddSingleton(new EchoIdentity(instance));
}

var app = builder.Build();
if (grpc)
{
    app.MapGrpcService<EchoEndpoint>();
}
else
{
    var counters = new Counters(failPercent, Counters.SeedFor(instance));
    app.MapGet("/_e2e/counts", () => Results.Text(counters.Render()));
    app.MapPost("/_e2e/fail", (double percent) =>
    {
        counters.FailPercent = percent;
        return Results.Text("ok\n");
    });
    app.Map("/{**path}", async (HttpContext context) =>
    {
        var request = context.Request;
        var segment = Counters.Segment(request.Path.Value);

        // What arrived, for tests of the proxies' rewrites.
        context.Response.Headers["x-e2e-path"] = request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        context.Response.Headers["x-e2e-host"] = request.Host.ToUriComponent();
        if (request.Query["echo"] is [{ Length: > 0 } echoed])
        {
            context.Response.Headers["x-e2e-echo"] = request.Headers[echoed].ToString();
        }
        if (segment is "/drip" or "/stall")
        {
            var chunks = segment == "/stall" ? 2 : int.TryParse(request.Query["chunks"], NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : 5;
            var pause = int.TryParse(request.Query["ms"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 200;
            context.Response.ContentType = "text/plain";
            await context.Response.StartAsync(context.RequestAborted);
            try
            {
                for (var i = 0; i < chunks; i++)
                {
                    if (i > 0)
                    {
                        await Task.Delay(pause, context.RequestAborted);
                    }

                    await context.Response.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"chunk {i}\n"), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // The proxy cut the stream (the test's idle timeout) or the caller went away.
            }

            counters.Served(segment);
            return Results.Empty;
        }

        if (segment == "/slow")
        {
            var ms = int.TryParse(request.Query["ms"], NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : 5000;
            try
            {
                await Task.Delay(ms, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return Results.Empty;
            }
        }

        if (delayMs > 0 && segment != "/_e2e")
        {
            await Task.Delay(delayMs, context.RequestAborted);
        }

        if (counters.Draw())
        {
            counters.Failed(segment);
            return Results.Text($"failed {instance} v{version}\n", statusCode: StatusCodes.Status500InternalServerError);
        }

        counters.Served(segment);
        return Results.Text($"backend {instance} v{version}\n");
    });
}

app.Run();
