using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Linnet.Testing;

/// <summary>
/// An in-process Kestrel HTTP backend on 127.0.0.1:&lt;ephemeral&gt;, speaking either HTTP/1.1 only or
/// HTTP/2 cleartext only (h2c with prior knowledge). Every response carries <c>x-app-name: {name}</c>.
/// See <see cref="HttpTestEndpoints"/> for the endpoint list.
/// </summary>
public sealed class HttpTestApp : IAsyncDisposable
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();

    private readonly WebApplication _app;
    private IReadOnlyDictionary<string, string> _lastRequestHeaders = NoHeaders;
    private int _requestCount;
    private int _disposed;

    private HttpTestApp(WebApplication app, string name, HttpProtocols protocols)
    {
        _app = app;
        Name = name;
        Protocols = protocols;
    }

    /// <summary>The name given at start; appears in <c>/hello</c> and the <c>x-app-name</c> response header.</summary>
    public string Name { get; }

    /// <summary>The protocols the listener accepts.</summary>
    public HttpProtocols Protocols { get; }

    /// <summary>The bound TCP port on 127.0.0.1.</summary>
    public int Port { get; private set; }

    /// <summary><c>http://127.0.0.1:{Port}/</c>.</summary>
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>Number of requests received so far (all endpoints, including WebSocket upgrades).</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>Headers of the most recent request (names lower-cased, repeated values comma-joined); empty before the first.</summary>
    public IReadOnlyDictionary<string, string> LastRequestHeaders => Volatile.Read(ref _lastRequestHeaders);

    /// <summary>Starts the app. <paramref name="protocols"/> is <see cref="HttpProtocols.Http1"/> or <see cref="HttpProtocols.Http2"/> (h2c).</summary>
    public static async Task<HttpTestApp> StartAsync(
        string name = "app",
        HttpProtocols protocols = HttpProtocols.Http1,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (protocols is not (HttpProtocols.Http1 or HttpProtocols.Http2))
        {
            throw new ArgumentOutOfRangeException(nameof(protocols), protocols, "Use Http1 (HTTP/1.1 only) or Http2 (h2c only).");
        }

        var builder = TestWebHost.CreateBuilder(protocols);
        var app = builder.Build();
        var testApp = new HttpTestApp(app, name, protocols);
        try
        {
            app.Use(testApp.RecordRequestAsync);
            app.UseWebSockets();
            HttpTestEndpoints.Map(app, name);
            testApp.Port = await TestWebHost.StartAsync(app, cancellationToken);
            return testApp;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await TestWebHost.StopAsync(_app);
        }
    }

    private Task RecordRequestAsync(HttpContext context, RequestDelegate next)
    {
        var headers = new Dictionary<string, string>(context.Request.Headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var header in context.Request.Headers)
        {
            headers[HttpTestEndpoints.LowerCase(header.Key)] = header.Value.ToString();
        }

        Volatile.Write(ref _lastRequestHeaders, headers);
        Interlocked.Increment(ref _requestCount);
        context.Response.Headers["x-app-name"] = Name;
        return next(context);
    }
}
