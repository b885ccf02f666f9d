using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Linnet.Registry;

/// <summary>A pull-only client of the OCI distribution API: tags, manifest digests (<c>HEAD</c>), and whole images
/// into a <see cref="BlobCache"/> with every blob verified by its digest. Authenticates only when challenged
/// (<c>Basic</c>, or <c>Bearer</c> through the registry's token endpoint), waits out <c>429</c>/<c>503</c> as
/// <c>Retry-After</c> says (else with exponential backoff), and resumes interrupted blob downloads with
/// <c>Range</c>.</summary>
public sealed partial class RegistryClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly RegistryClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, CachedAuth> _auth = new(StringComparer.Ordinal);

    /// <summary>Creates a client; <paramref name="handler"/> defaults to a <see cref="SocketsHttpHandler"/>.</summary>
    public RegistryClient(HttpMessageHandler? handler = null, RegistryClientOptions? options = null, TimeProvider? timeProvider = null)
    {
        _http = new HttpClient(handler ?? new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None, ConnectTimeout = TimeSpan.FromSeconds(15) }, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("linnet/0.1");
        _options = options ?? new RegistryClientOptions();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Every tag of the image's repository, in the registry's order (following <c>Link</c> pages).</summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(ImageReference image, RegistryCredentials? credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        var tags = new List<string>();
        var next = new Uri(image.BaseUri, $"/v2/{image.Repository}/tags/list?n=1000");
        for (var page = 0; next is not null; page++)
        {
            if (page == 100)
            {
                throw new RegistryException($"{image.Registry}/{image.Repository}: more than 100 pages of tags");
            }

            var url = next;
            using var response = await SendAsync(image, credentials, () => new HttpRequestMessage(HttpMethod.Get, url), cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(response, image, "list tags", cancellationToken).ConfigureAwait(false);
            var body = await ReadBoundedAsync(response, _options.MaxManifestBytes, cancellationToken).ConfigureAwait(false);
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.TryGetProperty("tags", out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (var tag in list.EnumerateArray())
                    {
                        if (tag.ValueKind == JsonValueKind.String)
                        {
                            tags.Add(tag.GetString()!);
                        }
                    }
                }
            }
            catch (JsonException ex)
            {
                throw new RegistryException($"{image.Registry}/{image.Repository}: the tag list is not JSON", ex);
            }

            next = NextLink(response, url);
        }

        return tags;
    }

    /// <summary>The digest the reference resolves to now (<c>HEAD</c> on the manifest, <c>Docker-Content-Digest</c>;
    /// a <c>GET</c> and a hash when the registry does not send it). Nothing is downloaded besides.</summary>
    public async Task<ContentDigest> GetDigestAsync(ImageReference image, RegistryCredentials? credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        var url = ManifestUrl(image, image.ManifestReference);
        using (var response = await SendAsync(image, credentials, () => ManifestRequest(HttpMethod.Head, url), cancellationToken).ConfigureAwait(false))
        {
            if (response.IsSuccessStatusCode && response.Headers.TryGetValues("Docker-Content-Digest", out var values)
                && ContentDigest.TryParse(values.FirstOrDefault(), out var digest))
            {
                return digest;
            }

            if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.MethodNotAllowed)
            {
                await EnsureSuccessAsync(response, image, "resolve", cancellationToken).ConfigureAwait(false);
            }
        }

        var manifest = await GetManifestAsync(image, image.ManifestReference, credentials, cancellationToken).ConfigureAwait(false);
        return manifest.Digest;
    }

    /// <summary>Pulls the image's linux/amd64 manifest, config and layers into <paramref name="cache"/>.</summary>
    public async Task<PulledImage> PullAsync(ImageReference image, RegistryCredentials? credentials, BlobCache cache, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(cache);
        var top = await GetManifestAsync(image, image.ManifestReference, credentials, cancellationToken).ConfigureAwait(false);
        var manifest = top;
        if (MediaTypes.IsIndex(top.MediaType))
        {
            var chosen = ChoosePlatform(image, top.Body);
            manifest = await GetManifestAsync(image, chosen.ToString(), credentials, cancellationToken).ConfigureAwait(false);
            if (!MediaTypes.IsManifest(manifest.MediaType))
            {
                throw new RegistryException($"{image}: the index entry for {_options.Os}/{_options.Architecture} is a {manifest.MediaType}, not an image manifest");
            }
        }
        else if (!MediaTypes.IsManifest(top.MediaType))
        {
            throw new RegistryException($"{image}: media type '{top.MediaType}' is not an OCI or Docker v2 image manifest or index");
        }

        await cache.PutAsync(top.Digest, top.Body, cancellationToken).ConfigureAwait(false);
        if (manifest.Digest != top.Digest)
        {
            await cache.PutAsync(manifest.Digest, manifest.Body, cancellationToken).ConfigureAwait(false);
        }

        var (config, layers) = ParseManifest(image, manifest.Body);
        if (config.Size > _options.MaxManifestBytes)
        {
            throw new RegistryException($"{image}: the config is {config.Size} bytes, over the {_options.MaxManifestBytes}-byte limit");
        }

        progress = progress is null ? null : new ImagePullTracker(layers, progress);
        await DownloadBlobAsync(image, credentials, cache, config, progress, cancellationToken).ConfigureAwait(false);
        var imageConfig = ParseConfig(image, await File.ReadAllBytesAsync(cache.PathOf(config.Digest), cancellationToken).ConfigureAwait(false));
        foreach (var layer in layers)
        {
            await DownloadBlobAsync(image, credentials, cache, layer, progress, cancellationToken).ConfigureAwait(false);
        }

        return new PulledImage(image, top.Digest, manifest.Digest, config.Digest, imageConfig, layers);
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private static Uri ManifestUrl(ImageReference image, string reference) => new(image.BaseUri, $"/v2/{image.Repository}/manifests/{reference}");

    private static HttpRequestMessage ManifestRequest(HttpMethod method, Uri url)
    {
        var request = new HttpRequestMessage(method, url);
        foreach (var type in MediaTypes.ManifestAccept)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }

        return request;
    }

    private static Uri? NextLink(HttpResponseMessage response, Uri current)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }

        foreach (var link in links)
        {
            var open = link.IndexOf('<', StringComparison.Ordinal);
            var close = link.IndexOf('>', StringComparison.Ordinal);
            if (open >= 0 && close > open && link.Contains("rel=\"next\"", StringComparison.Ordinal))
            {
                var next = new Uri(current, link[(open + 1)..close]);
                // Never follow a page link to another host: credentials are scoped to the registry.
                return next.Authority == current.Authority && next.Scheme == current.Scheme ? next : null;
            }
        }

        return null;
    }

    private async Task<ManifestBody> GetManifestAsync(ImageReference image, string reference, RegistryCredentials? credentials, CancellationToken cancellationToken)
    {
        var url = ManifestUrl(image, reference);
        using var response = await SendAsync(image, credentials, () => ManifestRequest(HttpMethod.Get, url), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, image, "get manifest " + reference + " of", cancellationToken).ConfigureAwait(false);
        var body = await ReadBoundedAsync(response, _options.MaxManifestBytes, cancellationToken).ConfigureAwait(false);
        var digest = ContentDigest.Of(body);
        if (ContentDigest.TryParse(reference, out var pinned) && pinned != digest)
        {
            throw new RegistryException($"{image}: the manifest served for {pinned} hashes to {digest}");
        }

        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && ContentDigest.TryParse(values.FirstOrDefault(), out var claimed) && claimed != digest)
        {
            throw new RegistryException($"{image}: the registry says the manifest is {claimed}, but it hashes to {digest}");
        }

        string? mediaType = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("mediaType", out var mt) && mt.ValueKind == JsonValueKind.String)
            {
                mediaType = mt.GetString();
            }
        }
        catch (JsonException ex)
        {
            throw new RegistryException($"{image}: the manifest {reference} is not JSON", ex);
        }

        mediaType ??= response.Content.Headers.ContentType?.MediaType;
        return new ManifestBody(body, mediaType, digest);
    }

    private ContentDigest ChoosePlatform(ImageReference image, byte[] body)
    {
        using var doc = JsonDocument.Parse(body);
        var seen = new List<string>();
        if (doc.RootElement.TryGetProperty("manifests", out var manifests) && manifests.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in manifests.EnumerateArray())
            {
                if (!entry.TryGetProperty("platform", out var platform) || platform.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                var os = platform.TryGetProperty("os", out var o) ? o.GetString() : null;
                var arch = platform.TryGetProperty("architecture", out var a) ? a.GetString() : null;
                seen.Add($"{os}/{arch}");
                if (os == _options.Os && arch == _options.Architecture)
                {
                    return ContentDigest.Parse(entry.TryGetProperty("digest", out var d) ? d.GetString() : null, $"{image}: index entry {os}/{arch} digest");
                }
            }
        }

        throw new RegistryException($"{image}: no {_options.Os}/{_options.Architecture} image in the index (it has: {(seen.Count == 0 ? "none" : string.Join(", ", seen))})");
    }

    private static (Descriptor Config, IReadOnlyList<Descriptor> Layers) ParseManifest(ImageReference image, byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (!root.TryGetProperty("schemaVersion", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != 2)
            {
                throw new RegistryException($"{image}: the manifest's schemaVersion is not 2");
            }

            var config = ReadDescriptor(image, root, "config");
            if (config.MediaType is not (MediaTypes.OciConfig or MediaTypes.DockerConfig))
            {
                throw new RegistryException($"{image}: config media type '{config.MediaType}' is not an image config (an artifact, not an image?)");
            }

            var layers = new List<Descriptor>();
            if (root.TryGetProperty("layers", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var item in list.EnumerateArray())
                {
                    var layer = ReadDescriptor(image, item, $"layers[{i}]");
                    if (item.TryGetProperty("urls", out _))
                    {
                        throw new RegistryException($"{image}: layers[{i}] is a foreign layer (urls); Linnet only pulls from the registry");
                    }

                    if (!MediaTypes.IsSupportedLayer(layer.MediaType))
                    {
                        throw new RegistryException($"{image}: layers[{i}] has media type '{layer.MediaType}', which Linnet cannot unpack (tar or tar+gzip)");
                    }

                    layers.Add(layer);
                    i++;
                }
            }

            return (config, layers);
        }
        catch (JsonException ex)
        {
            throw new RegistryException($"{image}: the manifest is not valid JSON", ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new RegistryException($"{image}: the manifest has a field of the wrong type", ex);
        }
    }

    private static Descriptor ReadDescriptor(ImageReference image, JsonElement parent, string name)
    {
        var element = name == "config" ? (parent.TryGetProperty("config", out var c) ? c : default) : parent;
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new RegistryException($"{image}: the manifest has no {name}");
        }

        var mediaType = element.TryGetProperty("mediaType", out var mt) ? mt.GetString() ?? "" : "";
        var digest = ContentDigest.Parse(element.TryGetProperty("digest", out var d) ? d.GetString() : null, $"{image}: {name}.digest");
        var size = element.TryGetProperty("size", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : -1;
        if (size < 0)
        {
            throw new RegistryException($"{image}: {name}.size is missing or negative");
        }

        return new Descriptor(mediaType, digest, size);
    }

    private ImageConfig ParseConfig(ImageReference image, byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var os = root.TryGetProperty("os", out var o) ? o.GetString() : null;
            var arch = root.TryGetProperty("architecture", out var a) ? a.GetString() : null;
            if ((os is not null && os != _options.Os) || (arch is not null && arch != _options.Architecture))
            {
                throw new RegistryException($"{image}: the image is for {os}/{arch}, not {_options.Os}/{_options.Architecture}");
            }

            var config = root.TryGetProperty("config", out var cfg) && cfg.ValueKind == JsonValueKind.Object ? cfg : default;
            return new ImageConfig(
                Strings(config, "Entrypoint"),
                Strings(config, "Cmd"),
                Strings(config, "Env"),
                config.ValueKind == JsonValueKind.Object && config.TryGetProperty("WorkingDir", out var w) && w.ValueKind == JsonValueKind.String ? w.GetString()! : "",
                config.ValueKind == JsonValueKind.Object && config.TryGetProperty("User", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString()! : "");
        }
        catch (JsonException ex)
        {
            throw new RegistryException($"{image}: the image config is not JSON", ex);
        }
    }

    private static List<string> Strings(JsonElement config, string name)
    {
        var result = new List<string>();
        if (config.ValueKind == JsonValueKind.Object && config.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in list.EnumerateArray())
            {
                result.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw new RegistryException($"config.{name} must hold strings"));
            }
        }

        return result;
    }

    private sealed record ManifestBody(byte[] Body, string? MediaType, ContentDigest Digest);
}
