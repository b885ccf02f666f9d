// The demo's HTTP backend: answers GET / with its instance name and version. Configured only by the
// variables the Linnet supervisor sets (HOST, PORT, LINNET_INSTANCE) plus an optional VERSION,
// LOG_REQUESTS=1 to print one line per request it receives (to show what reached the app behind its proxy),
// and FAIL_PERCENT=N to answer N of every 100 requests with a 500 (a bad release for the demo's canary).
using System.Globalization;

var host = Environment.GetEnvironmentVariable("HOST") ?? "127.0.0.1";
var port = int.Parse(Environment.GetEnvironmentVariable("PORT") ?? "8080", CultureInfo.InvariantCulture);
var instance = Environment.GetEnvironmentVariable("LINNET_INSTANCE") ?? Environment.MachineName;
var version = Environment.GetEnvironmentVariable("VERSION") ?? "1";
var logRequests = Environment.GetEnvironmentVariable("LOG_REQUESTS") == "1";
var failPercent = int.TryParse(Environment.GetEnvironmentVariable("FAIL_PERCENT"), NumberStyles.None, CultureInfo.InvariantCulture, out var percent) ? Math.Min(percent, 100) : 0;
var served = 0L;

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
// Failures spread evenly over arrivals: request n fails when the running count of FAIL_PERCENT % steps up at n.
bool Fails(long n) => (n + 1) * failPercent / 100 > n * failPercent / 100;
app.Map("/", () => Fails(Interlocked.Increment(ref served) - 1)
    ? Results.Text($"backend {instance} v{version} failed\n", statusCode: StatusCodes.Status500InternalServerError)
    : Results.Text($"backend {instance} v{version}\n"));
app.Run();
