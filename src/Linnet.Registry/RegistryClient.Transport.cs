using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Linnet.Registry;

/// <summary>Authentication, rate limits and resumable blob downloads.</summary>
public sealed partial class RegistryClient
{
    private const int ProgressStep = 256 * 1024;

    /// <summary>Sends a request built by <paramref name="create"/> (called again for each attempt): answers a
    /// 401 challenge once, waits out 429/503.</summary>
    private async Task<HttpResponseMessage> SendAsync(ImageReference image, RegistryCredentials? credentials, Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        var scope = $"repository:{image.Repository}:pull";
        var key = image.Registry + " " + scope;
        var challenged = false;
        var limited = 0;
        while (true)
        {
            using var request = create();
            if (_auth.TryGetValue(key, out var cached) && (cached.Expires is null || cached.Expires > _time.GetUtcNow()))
            {
                request.Headers.Authorization = cached.Header;
            }

            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized && !challenged)
            {
                challenged = true;
                var challenge = AuthChallenge.From(response);
                response.Dispose();
                _auth[key] = await AuthenticateAsync(image, challenge, credentials, scope, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
            {
                var wait = RetryDelay(response, limited);
                var status = (int)response.StatusCode;
                response.Dispose();
                if (limited >= _options.MaxRateLimitRetries)
                {
                    throw new RegistryException($"{image.Registry}: still {status} after {limited} retries (rate limited; try again later)");
                }

                if (wait > _options.MaxRetryAfter)
                {
                    throw new RegistryException($"{image.Registry}: rate limited ({status}), asked to retry after {wait.TotalSeconds:0}s, longer than the {_options.MaxRetryAfter.TotalSeconds:0}s this client waits");
                }

                limited++;
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            return response;
        }
    }

    private TimeSpan RetryDelay(HttpResponseMessage response, int attempt)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var d = date - _time.GetUtcNow();
            return d < TimeSpan.Zero ? TimeSpan.Zero : d;
        }

        var backoff = _options.InitialBackoff * Math.Pow(2, attempt);
        return backoff > _options.MaxBackoff ? _options.MaxBackoff : backoff;
    }

    private async Task<CachedAuth> AuthenticateAsync(ImageReference image, AuthChallenge? challenge, RegistryCredentials? credentials, string scope, CancellationToken cancellationToken)
    {
        if (challenge is null)
        {
            throw new RegistryException($"{image.Registry} answered 401 without a Basic or Bearer challenge");
        }

        if (challenge.Scheme == "Basic")
        {
            if (credentials is null)
            {
                throw new RegistryException($"{image.Registry} requires credentials (Basic) and none are configured for it");
            }

            return new CachedAuth(new AuthenticationHeaderValue("Basic", credentials.BasicParameter), null);
        }

        if (!challenge.Parameters.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri) || realmUri.Scheme is not ("http" or "https"))
        {
            throw new RegistryException($"{image.Registry}: the Bearer challenge has no usable realm");
        }

        if (realmUri.Scheme == "http" && credentials is not null && !(realmUri.IsLoopback || image.IsLoopback && realmUri.Host == image.RegistryHost))
        {
            throw new RegistryException($"{image.Registry}: refusing to send credentials to the token endpoint {realmUri.GetLeftPart(UriPartial.Path)} over plain HTTP");
        }

        var query = new List<string>();
        if (challenge.Parameters.TryGetValue("service", out var service))
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }

        query.Add("scope=" + Uri.EscapeDataString(challenge.Parameters.TryGetValue("scope", out var asked) ? asked : scope));
        var tokenUrl = new Uri(realm + (realm.Contains('?', StringComparison.Ordinal) ? "&" : "?") + string.Join('&', query));
        using var request = new HttpRequestMessage(HttpMethod.Get, tokenUrl);
        if (credentials is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials.BasicParameter);
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new RegistryException($"{image.Registry}: the token endpoint {realmUri.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode}{(credentials is null ? " (no credentials are configured for this registry)" : " (the credentials were refused?)")}");
        }

        var body = await ReadBoundedAsync(response, 1 << 20, cancellationToken).ConfigureAwait(false);
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var token = root.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
                : root.TryGetProperty("access_token", out var at) && at.ValueKind == JsonValueKind.String ? at.GetString() : null;
            if (string.IsNullOrEmpty(token))
            {
                throw new RegistryException($"{image.Registry}: the token endpoint's answer has no token");
            }

            // The spec's default lifetime is 60 s; renew a little early.
            var lifetime = root.TryGetProperty("expires_in", out var e) && e.ValueKind == JsonValueKind.Number && e.GetInt32() > 0 ? e.GetInt32() : 60;
            return new CachedAuth(new AuthenticationHeaderValue("Bearer", token), _time.GetUtcNow().AddSeconds(lifetime * 0.9));
        }
        catch (JsonException ex)
        {
            throw new RegistryException($"{image.Registry}: the token endpoint's answer is not JSON", ex);
        }
    }

    private async Task DownloadBlobAsync(ImageReference image, RegistryCredentials? credentials, BlobCache cache, Descriptor blob, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        using var held = await cache.LockAsync(blob.Digest, cancellationToken).ConfigureAwait(false);
        if (cache.Contains(blob.Digest))
        {
            progress?.Report(new PullProgress(blob.Digest, blob.Size, blob.Size, Cached: true));
            return;
        }

        var partial = cache.PartialPathOf(blob.Digest);
        var url = new Uri(image.BaseUri, $"/v2/{image.Repository}/blobs/{blob.Digest}");
        for (var attempt = 0; ; attempt++)
        {
            await using var file = new FileStream(partial, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.Asynchronous);
            var offset = file.Length;
            if (offset > blob.Size)
            {
                file.SetLength(0);
                offset = 0;
            }

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            if (offset > 0)
            {
                await HashExistingAsync(file, hash, cancellationToken).ConfigureAwait(false);
            }

            var resumeFrom = offset;
            try
            {
                if (offset < blob.Size)
                {
                    using var response = await SendAsync(image, credentials, () =>
                    {
                        var request = new HttpRequestMessage(HttpMethod.Get, url);
                        if (resumeFrom > 0)
                        {
                            request.Headers.Range = new RangeHeaderValue(resumeFrom, null);
                        }

                        return request;
                    }, cancellationToken).ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.OK && offset > 0)
                    {
                        // The registry ignored Range: start over.
                        file.SetLength(0);
                        await DownloadFreshAsync(image, blob, file, response, progress, cancellationToken).ConfigureAwait(false);
                    }
                    else if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.PartialContent)
                    {
                        if (response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From != offset)
                        {
                            throw new RegistryException($"{image}: blob {blob.Digest}: the registry answered a range starting at {response.Content.Headers.ContentRange?.From}, not {offset}");
                        }

                        file.Seek(offset, SeekOrigin.Begin);
                        await CopyAsync(image, blob, response, file, hash, offset, progress, cancellationToken).ConfigureAwait(false);
                        Finish(image, blob, file, hash);
                    }
                    else
                    {
                        await EnsureSuccessAsync(response, image, $"get blob {blob.Digest} of", cancellationToken).ConfigureAwait(false);
                    }
                }
                else
                {
                    Finish(image, blob, file, hash);
                }

                await file.DisposeAsync().ConfigureAwait(false);
                File.Move(partial, cache.PathOf(blob.Digest), overwrite: true);
                return;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested && attempt < _options.MaxResumes)
            {
                // Interrupted mid-body: what arrived stays in the partial file and the next attempt asks for the rest.
                await file.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static async Task DownloadFreshAsync(ImageReference image, Descriptor blob, FileStream file, HttpResponseMessage response, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        file.Seek(0, SeekOrigin.Begin);
        await CopyAsync(image, blob, response, file, hash, 0, progress, cancellationToken).ConfigureAwait(false);
        var digest = ContentDigest.FromHash(hash.GetHashAndReset());
        if (file.Length != blob.Size || digest != blob.Digest)
        {
            file.SetLength(0);
            throw new RegistryException($"{image}: blob {blob.Digest} arrived as {digest} ({file.Length} of {blob.Size} bytes); discarded");
        }
    }

    private static void Finish(ImageReference image, Descriptor blob, FileStream file, IncrementalHash hash)
    {
        var digest = ContentDigest.FromHash(hash.GetHashAndReset());
        if (file.Length != blob.Size || digest != blob.Digest)
        {
            var length = file.Length;
            file.SetLength(0);
            throw new RegistryException($"{image}: blob {blob.Digest} arrived as {digest} ({length} of {blob.Size} bytes); discarded");
        }
    }

    private static async Task HashExistingAsync(FileStream file, IncrementalHash hash, CancellationToken cancellationToken)
    {
        file.Seek(0, SeekOrigin.Begin);
        var buffer = new byte[81920];
        int read;
        while ((read = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }
    }

    private static async Task CopyAsync(ImageReference image, Descriptor blob, HttpResponseMessage response, FileStream file, IncrementalHash hash, long offset, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        progress?.Report(new PullProgress(blob.Digest, offset, blob.Size, Cached: false));
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[81920];
        var received = offset;
        var reported = offset;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            received += read;
            if (received > blob.Size)
            {
                throw new RegistryException($"{image}: blob {blob.Digest} is longer than its {blob.Size} bytes");
            }

            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            hash.AppendData(buffer, 0, read);
            if (received - reported >= ProgressStep)
            {
                reported = received;
                progress?.Report(new PullProgress(blob.Digest, received, blob.Size, Cached: false));
            }
        }

        await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (received < blob.Size)
        {
            throw new IOException($"blob {blob.Digest}: the connection ended after {received} of {blob.Size} bytes");
        }

        progress?.Report(new PullProgress(blob.Digest, received, blob.Size, Cached: false));
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > limit)
        {
            throw new RegistryException($"{response.RequestMessage?.RequestUri}: {response.Content.Headers.ContentLength} bytes, over the {limit}-byte limit");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var memory = new MemoryStream();
        var buffer = new byte[16384];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (memory.Length + read > limit)
            {
                throw new RegistryException($"{response.RequestMessage?.RequestUri}: over the {limit}-byte limit");
            }

            memory.Write(buffer, 0, read);
        }

        return memory.ToArray();
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, ImageReference image, string action, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var detail = "";
        try
        {
            // The distribution spec's error body: {"errors":[{"code":"MANIFEST_UNKNOWN","message":"..."}]}.
            var body = await ReadBoundedAsync(response, 16384, cancellationToken).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
            {
                var first = errors[0];
                var code = first.TryGetProperty("code", out var c) ? c.GetString() : null;
                var message = first.TryGetProperty("message", out var m) ? m.GetString() : null;
                detail = (": " + code + " " + message).TrimEnd();
            }
        }
        catch (Exception ex) when (ex is JsonException or RegistryException or IOException or HttpRequestException)
        {
            // No usable error body: the status says enough.
        }

        var status = (int)response.StatusCode;
        throw new RegistryException(response.StatusCode switch
        {
            HttpStatusCode.NotFound => $"{image}: not found in the registry ({action}){detail}",
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => $"{image}: the registry refused access ({status}, {action}){detail}",
            _ => $"{image}: the registry answered {status} ({action}){detail}",
        });
    }

    private sealed record CachedAuth(AuthenticationHeaderValue Header, DateTimeOffset? Expires);
}
