// A small HTTP service for the demo: answers with its name, and fails or slows down on request so the
// proxy's metrics have something to show. Configured by LINNET_PORT and LINNET_NAME.
var port = int.Parse(Environment.GetEnvironmentVariable("LINNET_PORT") ?? "8080", System.Globalization.CultureInfo.InvariantCulture);
var name = Environment.GetEnvironmentVariable("LINNET_NAME") ?? "hello";
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port));
var app = builder.Build();
app.MapGet("/", () => Results.Text($"hello from {name}\n"));
app.MapGet("/work", async (int? ms, int? fail) =>
{
    await Task.Delay(ms ?? 5);
    return fail is > 0 && Random.Shared.Next(100) < fail ? Results.StatusCode(503) : Results.Text($"{name} worked {ms ?? 5} ms\n");
});
app.Run();
