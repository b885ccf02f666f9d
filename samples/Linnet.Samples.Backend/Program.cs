// The demo's HTTP backend: answers GET / with its instance name and version. Configured only by the
// variables the Linnet supervisor sets (HOST, PORT, LINNET_INSTANCE) plus an optional VERSION.
using System.Globalization;

var host = Environment.GetEnvironmentVariable("HOST") ?? "127.0.0.1";
var port = int.Parse(Environment.GetEnvironmentVariable("PORT") ?? "8080", CultureInfo.InvariantCulture);
var instance = Environment.GetEnvironmentVariable("LINNET_INSTANCE") ?? Environment.MachineName;
var version = Environment.GetEnvironmentVariable("VERSION") ?? "1";

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://{host}:{port}"));
var app = builder.Build();
// Any method: routes that match on the method are tested end to end against it.
app.Map("/", () => Results.Text($"backend {instance} v{version}\n"));
app.Run();
