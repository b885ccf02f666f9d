// The demo's HTTP backend: answers GET / with its instance name and version. Configured only by the
// variables the Linnet supervisor sets (HOST, PORT, LINNET_INSTANCE) plus an optional VERSION, and
// LOG_REQUESTS=1 to print one line per request it receives (to show what reached the app behind its proxy).
using System.Globalization;

var host = Environment.GetEnvironmentVariable("HOST") ?? "127.0.0.1";
var port = int.Parse(Environment.GetEnvironmentVariable("PORT") ?? "8080", CultureInfo.InvariantCulture);
var instance = Environment.GetEnvironmentVariable("LINNET_INSTANCE") ?? Environment.MachineName;
var version = Environment.GetEnvironmentVariable("VERSION") ?? "1";
var logRequests = Environment.GetEnvironmentVariable("LOG_REQUESTS") == "1";

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://{host}:{port}"));
var app = builder.Build();
if (logRequests)
{
    // Before the response, so that a caller who got an answer finds the line already written.
    app.Use((context, next) =>
    {
        Console.WriteLine($"request {context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
        return next(context);
    });
}

// Any method: routes that match on the method are tested end to end against it.
app.Map("/", () => Results.Text($"backend {instance} v{version}\n"));
app.Run();
