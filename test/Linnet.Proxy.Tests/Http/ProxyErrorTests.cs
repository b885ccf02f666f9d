using System.Net;
using Linnet.Proxy.Http;
using Linnet.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Tests.Http;

/// <summary>The proxy's own answers, one table (<see cref="ProxyError"/>). Expected values: linkerd2-proxy's
/// errors::respond (SyntheticHttpResponse: permission_denied 403/PERMISSION_DENIED, not_found 404/NOT_FOUND,
/// internal_error 500/INTERNAL, bad_gateway 502/UNAVAILABLE, unavailable 503/UNAVAILABLE, gateway_timeout
/// 504/DEADLINE_EXCEEDED, any other status FAILED_PRECONDITION), Gateway API for 404 (no rule matches) and 500
/// (no valid backend), gRPC's HTTP/2 protocol for the trailers-only form (HTTP 200, grpc-status, grpc-message).</summary>
public sealed class ProxyErrorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, int, int, bool> Table => new()
    {
        { nameof(ProxyError.BadRequest), "bad_request", 400, 9, true },
        { nameof(ProxyError.Unauthorized), "unauthorized", 403, 7, false },
        { nameof(ProxyError.UnknownAuthority), "unknown_authority", 502, 14, false },
        { nameof(ProxyError.NoRoute), "no_route", 404, 5, false },
        { nameof(ProxyError.InvalidBackend), "invalid_backend", 500, 13, false },
        { nameof(ProxyError.NoEndpoints), "no_endpoints", 503, 14, false },
        { nameof(ProxyError.AllEndpointsEjected), "all_endpoints_ejected", 503, 14, false },
        { nameof(ProxyError.RequestTimeout), "request_timeout", 504, 4, false },
        { nameof(ProxyError.BackendTimeout), "backend_timeout", 504, 4, false },
        { nameof(ProxyError.IdleTimeout), "idle_timeout", 504, 4, false },
        { "ForwardFailed(502)", "forward_failed", 502, 14, false },
        { "ForwardFailed(504)", "forward_failed", 504, 4, false },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public async Task WriteAsync_PlainHttp_StatusReasonAndText(string name, string reason, int status, int grpcStatus, bool closes)
    {
        var error = Error(name);
        var context = Context(contentType: null);

        await ProxyResponses.WriteAsync(context, error, "why it failed");

        Assert.Equal(reason, error.Reason);
        Assert.Equal(grpcStatus, error.GrpcStatus);
        Assert.Equal(status, context.Response.StatusCode);
        Assert.Equal("why it failed", context.Response.Headers[ProxyErrors.Header].ToString());
        Assert.False(context.Response.Headers.ContainsKey("grpc-status"));
        Assert.Equal(closes ? "close" : "", context.Response.Headers.Connection.ToString());
        Assert.Equal("why it failed\n", Body(context));
    }

    [Theory]
    [MemberData(nameof(Table))]
    public async Task WriteAsync_Grpc_TrailersOnlyWithTheGrpcStatus(string name, string reason, int status, int grpcStatus, bool closes)
    {
        _ = (reason, status, closes);
        var context = Context("application/grpc+proto");

        await ProxyResponses.WriteAsync(context, Error(name), "why it failed");

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal("application/grpc", context.Response.ContentType);
        Assert.Equal(grpcStatus.ToString(System.Globalization.CultureInfo.InvariantCulture), context.Response.Headers["grpc-status"].ToString());
        // grpc-message is percent-encoded (gRPC over HTTP/2); decoded, it is the reason.
        Assert.Equal("why it failed", Uri.UnescapeDataString(context.Response.Headers["grpc-message"].ToString()));
        Assert.Equal("why it failed", context.Response.Headers[ProxyErrors.Header].ToString());
        Assert.Equal("", Body(context));
    }

    [Theory]
    [InlineData(503, null, 503, null)]
    [InlineData(418, 8, 200, "8")]
    public async Task WriteAsync_FaultForGrpc_TheConfiguredStatuses(int httpStatus, int? grpcStatus, int expectedHttp, string? expectedGrpc)
    {
        // A fault abort answers what the route configures; without a gRPC status, gRPC requests get the HTTP one.
        var context = Context("application/grpc");

        await ProxyResponses.WriteAsync(context, ProxyError.Fault(httpStatus, grpcStatus), "fault injected");

        Assert.Equal(expectedHttp, context.Response.StatusCode);
        Assert.Equal(expectedGrpc, context.Response.Headers.TryGetValue("grpc-status", out var grpc) ? grpc.ToString() : null);
    }

    [Theory]
    [InlineData("nobody.example", "unknown_authority")]
    [InlineData("empty", "no_endpoints")]
    public async Task Outbound_GrpcCallTheProxyCannotRoute_TrailersOnlyUnavailable(string authority, string reason)
    {
        // A gRPC client reads the status from grpc-status: the proxy's refusals reach it as UNAVAILABLE, the
        // reason in grpc-message and l5d-proxy-error, whichever stage refused.
        await using var proxy = await TestProxy.StartAsync(1, [TestProxy.Service("empty", 80)]);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(proxy.OutboundUri, "/pkg.Svc/Call"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Headers.Host = authority;
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("14", response.Headers.GetValues("grpc-status").Single());
        Assert.Contains(authority, response.Headers.GetValues(ProxyErrors.Header).Single(), StringComparison.Ordinal);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Ct));
        var scrape = await proxy.ScrapeAsync();
        Assert.Equal(1, scrape.Sum("proxy_error_total", ("reason", reason)));
    }

    private static ProxyError Error(string name) => name switch
    {
        "ForwardFailed(502)" => ProxyError.ForwardFailed(502),
        "ForwardFailed(504)" => ProxyError.ForwardFailed(504),
        _ => (ProxyError)typeof(ProxyError).GetField(name)!.GetValue(null)!,
    };

    private static DefaultHttpContext Context(string? contentType)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Protocol = "HTTP/2";
        context.Request.ContentType = contentType;
        context.Response.Body = new MemoryStream();
        return context;
    }

    private static string Body(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return new StreamReader(context.Response.Body).ReadToEnd();
    }
}
