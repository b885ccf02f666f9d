using System.Net;
using Linnet.Proxy.Balancing;
using Linnet.Proxy.Detection;
using Linnet.Proxy.Resilience;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Tls;
using Linnet.Proxy.Upstream;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Linnet.Proxy.Mirroring;

/// <summary>Copies requests to a route's mirror service, fire and forget: the copy is built from the
/// request before it is forwarded, sent on the thread pool, its response read to the headers and
/// discarded. A small body is copied whole; any other (chunked, HTTP/2 and gRPC streams, large bodies)
/// is streamed to the copy as the primary reads it (<see cref="MirroredRequestBody"/>). At most <see cref="MaxInFlight"/> copies are in flight; beyond that copies are dropped, so a
/// slow or dead mirror costs the primary traffic nothing but a counter.</summary>
internal sealed partial class RequestMirror(OutboundClientSelector clients, TimeProvider time, ILogger logger)
{
    /// <summary>Copies in flight at most, over every mirror of this proxy.</summary>
    public const int MaxInFlight = 100;

    /// <summary>A copy that takes longer is abandoned.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private int _inFlight;

    /// <summary>Copies in flight now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>How far a streamed copy may fall behind the primary's reading of the body before it is
    /// abandoned (<see cref="MirroredRequestBody"/>).</summary>
    public const int MaxBufferedBody = 256 * 1024;

    /// <summary>Starts a copy of <paramref name="request"/> (its whole body: <paramref name="body"/>) to
    /// <paramref name="mirror"/>; false when it is dropped (too many in flight, no endpoint).</summary>
    public bool TrySend(HttpRequest request, byte[] body, ServiceState mirror) =>
        TrySend(request, body.Length > 0 || !RequestBodyBuffer.HasNoBody(request) ? new ByteArrayContent(body) : null, null, mirror);

    /// <summary>Starts a copy of <paramref name="request"/> whose body is streamed: the copy's body follows
    /// the primary's reading of <paramref name="body"/>, which must then take the request body's place.</summary>
    public bool TrySend(HttpRequest request, MirroredRequestBody body, ServiceState mirror)
    {
        ArgumentNullException.ThrowIfNull(body);
        var content = new StreamContent(body.MirrorStream);
        content.Headers.ContentLength = request.ContentLength;
        return TrySend(request, content, body, mirror);
    }

    private bool TrySend(HttpRequest request, HttpContent? content, MirroredRequestBody? streamed, ServiceState mirror)
    {
        if (Interlocked.Increment(ref _inFlight) > MaxInFlight)
        {
            Interlocked.Decrement(ref _inFlight);
            content?.Dispose();
            return false;
        }

        var endpoint = mirror.Balancer.Pick();
        if (endpoint is null)
        {
            Interlocked.Decrement(ref _inFlight);
            content?.Dispose();
            return false;
        }

        var outbound = clients.Select(endpoint, null);
        var client = outbound.Client;
        HttpRequestMessage message;
        try
        {
            message = Copy(request, outbound.Prefix, content, outbound.Mesh);
            message.Options.Set(UpstreamClientFactory.EndpointOption, endpoint);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or UriFormatException)
        {
            Interlocked.Decrement(ref _inFlight);
            content?.Dispose();
            endpoint.Breaker.OnAbandoned();
            Log.MirrorFailed(logger, mirror.Authority, ex.Message);
            return false;
        }

        // On the thread pool: nothing of the copy runs on the primary request's path.
        ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Mirror.SendAsync(state.Client, state.Message, state.Streamed, state.Endpoint, state.Authority),
            (Mirror: this, Client: client, Message: message, Streamed: streamed, Endpoint: endpoint, Authority: mirror.Authority), preferLocal: false);
        return true;
    }

    private async Task SendAsync(HttpMessageInvoker client, HttpRequestMessage message, MirroredRequestBody? streamed, EndpointState endpoint, string authority)
    {
        endpoint.Begin();
        var started = time.GetTimestamp();
        try
        {
            using var timeout = new CancellationTokenSource(Timeout, time);
            using var response = await client.SendAsync(message, timeout.Token);
            endpoint.Observe(endpoint.SampleBetween(started, time.GetTimestamp()));
            if ((int)response.StatusCode >= 500)
            {
                endpoint.Breaker.OnFailure();
            }
            else
            {
                endpoint.Breaker.OnSuccess();
            }
        }
        catch (Exception ex) when (streamed is { Abandoned: true } && ex is HttpRequestException or OperationCanceledException or IOException)
        {
            // The proxy cut the copy off (it fell behind, or the primary did not read the body to its end):
            // nothing learnt about the endpoint.
            endpoint.Breaker.OnAbandoned();
            Log.MirrorFailed(logger, authority, ex.Message);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            endpoint.ObserveFailure(endpoint.SampleBetween(started, time.GetTimestamp()));
            endpoint.Breaker.OnFailure();
            Log.MirrorFailed(logger, authority, ex.Message);
        }
        finally
        {
            endpoint.End();
            message.Dispose();
            Interlocked.Decrement(ref _inFlight);
        }
    }

    // Over the mesh (mTLS to the endpoint's proxy) the copy goes as HTTP/2, an HTTP/1.x one marked with its
    // original protocol as the primary request would be (Tls/OrigProto).
    private static HttpRequestMessage Copy(HttpRequest request, string prefix, HttpContent? content, bool mesh)
    {
        var http2 = HttpProtocol.IsHttp2(request.Protocol);
        var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(prefix + request.PathBase + request.Path + request.QueryString))
        {
            Version = http2 || mesh ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        message.Content = content;

        foreach (var (name, values) in request.Headers)
        {
            // The mirror's client frames the body itself: the original's length goes with the connection's fields.
            if (name.StartsWith(':') || HopByHopFields.IsConnectionSpecific(name) || name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase)
                || name.Equals(OrigProto.Header, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        if (mesh && !http2)
        {
            message.Headers.TryAddWithoutValidation(OrigProto.Header, HttpProtocol.IsHttp10(request.Protocol) ? "HTTP/1.0" : "HTTP/1.1");
        }

        return message;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Mirrored request to {Mirror} failed: {Reason}")]
        public static partial void MirrorFailed(ILogger logger, string mirror, string reason);
    }
}
