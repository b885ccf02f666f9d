using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Linnet.Proxy.Resilience;

/// <summary>Keeps a small request body so that it can be sent again (a retry) or copied (a mirror).</summary>
internal static class RequestBodyBuffer
{
    /// <summary>The result for a request that has no body: replayable, nothing kept.</summary>
    public static readonly byte[] NoBody = [];

    /// <summary>Whether the request has no body at all.</summary>
    public static bool HasNoBody(HttpRequest request) =>
        request.ContentLength == 0 || request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false };

    /// <summary>Reads the whole body when its declared length is at most <paramref name="limit"/> and puts
    /// a rewindable copy in its place. Returns <see cref="NoBody"/> for a request without a body, the bytes
    /// for a kept one, and null when the body is larger or of unknown length: then it is left untouched and
    /// streamed once, never read ahead (a streaming client may wait for replies before sending more).</summary>
    public static async ValueTask<byte[]?> TryKeepAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (HasNoBody(request))
        {
            return NoBody;
        }

        if (request.ContentLength is not { } length || length > limit)
        {
            return null;
        }

        var buffer = new byte[length];
        var read = await request.Body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        if (read != buffer.Length)
        {
            throw new IOException($"the request body ended after {read} of its {length} bytes");
        }

        request.Body = new MemoryStream(buffer, writable: false);
        return buffer;
    }

    /// <summary>Puts a kept body back at its start for the next attempt.</summary>
    public static void Rewind(HttpRequest request, byte[] kept)
    {
        if (kept.Length > 0 && request.Body is MemoryStream stream)
        {
            stream.Position = 0;
        }
    }
}
