// The demo's gRPC service: cleartext HTTP/2 (h2c) on HOST:PORT, configured only by the variables the
// Linnet supervisor sets (HOST, PORT, LINNET_INSTANCE).
using System.Globalization;
using System.Net;
using Linnet.Samples.Greeter;
using Microsoft.AspNetCore.Server.Kestrel.Core;

var host = Environment.GetEnvironmentVariable("HOST") ?? "127.0.0.1";
var port = int.Parse(Environment.GetEnvironmentVariable("PORT") ?? "9090", CultureInfo.InvariantCulture);
var instance = Environment.GetEnvironmentVariable("LINNET_INSTANCE") ?? Environment.MachineName;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k =>
{
    static void Http2(ListenOptions o) => o.Protocols = HttpProtocols.Http2;
    if (IPAddress.TryParse(host, out var address))
    {
        k.Listen(address, port, Http2);
    }
    else
    {
        k.ListenLocalhost(port, Http2);
    }
});
builder.Services.AddGrpc();
builder.Services.AddSingleton(new InstanceName(instance));
var app = builder.Build();
app.MapGrpcService<GreeterService>();
app.Run();
