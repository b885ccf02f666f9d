// The demo's frontend: GET / asks the backend over HTTP/1.1 (http://backend/, sent through HTTP_PROXY, the
// instance's outbound proxy) and the greeter over gRPC (h2c to GREETER_SERVICE_HOST:GREETER_SERVICE_PORT,
// where the instance's proxy serves that service), and shows both answers. Configured only by the
// variables the Linnet supervisor sets.
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Linnet.Samples.Greeter;

var host = Environment.GetEnvironmentVariable("HOST") ?? "127.0.0.1";
var port = int.Parse(Environment.GetEnvironmentVariable("PORT") ?? "8080", CultureInfo.InvariantCulture);
var instance = Environment.GetEnvironmentVariable("LINNET_INSTANCE") ?? Environment.MachineName;
var greeterAddress = string.Create(
    CultureInfo.InvariantCulture,
    $"http://{Environment.GetEnvironmentVariable("GREETER_SERVICE_HOST") ?? "127.0.0.1"}:{Environment.GetEnvironmentVariable("GREETER_SERVICE_PORT") ?? "9090"}");

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://{host}:{port}"));
var app = builder.Build();

// HttpClient's default handler honours HTTP_PROXY / NO_PROXY: "backend" is resolved by the proxy, not DNS.
using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

// gRPC goes straight to the proxy's per-service listener (h2c); no HTTP proxy in between.
using var channel = GrpcChannel.ForAddress(greeterAddress, new GrpcChannelOptions
{
    HttpHandler = new SocketsHttpHandler { UseProxy = false },
    DisposeHttpClient = true,
});
var greeter = new Greeter.GreeterClient(channel);

app.MapGet("/", async (CancellationToken cancellationToken) =>
{
    string backend;
    try
    {
        backend = (await http.GetStringAsync(new Uri("http://backend/"), cancellationToken)).Trim();
    }
    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
    {
        return Results.Text($"web {instance}: backend failed: {ex.Message}\n", statusCode: StatusCodes.Status502BadGateway);
    }

    string greeting;
    try
    {
        var reply = await greeter.SayHelloAsync(new HelloRequest { Name = instance }, deadline: TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(5), cancellationToken: cancellationToken);
        greeting = reply.Message;
    }
    catch (RpcException ex)
    {
        return Results.Text($"web {instance}: greeter failed: {ex.Status.StatusCode} {ex.Status.Detail}\n", statusCode: StatusCodes.Status502BadGateway);
    }

    return Results.Text($"web {instance}\n  backend: {backend}\n  greeter: {greeting}\n");
});
app.Run();
