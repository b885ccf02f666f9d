using System.Net;
using System.Net.Http.Headers;

namespace Linnet.Registry.Tests.Infrastructure;

/// <summary>Pushes with the distribution API as a client such as <c>docker push</c> does: <c>POST</c> an upload,
/// <c>PUT</c> it with the digest (monolithic), then <c>PUT</c> the manifest under a tag.</summary>
public sealed class RegistryPusher(Uri registry, AuthenticationHeaderValue? authorization = null) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = registry, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Pushes the image's blobs and its manifest as <paramref name="reference"/> (a tag or digest).</summary>
    public async Task PushAsync(string repository, string reference, TestImage image)
    {
        await PushBlobAsync(repository, image.Config);
        foreach (var layer in image.Layers)
        {
            await PushBlobAsync(repository, layer);
        }

        await PushManifestAsync(repository, reference, image.Manifest, MediaTypes.OciManifest);
    }

    /// <summary>Pushes a manifest (or index) document.</summary>
    public async Task PushManifestAsync(string repository, string reference, byte[] manifest, string mediaType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/v2/{repository}/manifests/{reference}") { Content = new ByteArrayContent(manifest) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        request.Headers.Authorization = authorization;
        using var response = await _http.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"PUT manifest: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Uploads one blob.</summary>
    public async Task PushBlobAsync(string repository, byte[] blob)
    {
        using var start = new HttpRequestMessage(HttpMethod.Post, $"/v2/{repository}/blobs/uploads/");
        start.Headers.Authorization = authorization;
        using var started = await _http.SendAsync(start);
        Assert.True(started.StatusCode == HttpStatusCode.Accepted, $"POST upload: {(int)started.StatusCode} {await started.Content.ReadAsStringAsync()}");
        var location = started.Headers.Location!;
        var url = location.IsAbsoluteUri ? location : new Uri(_http.BaseAddress!, location);
        var put = new UriBuilder(url) { Query = (url.Query.Length > 1 ? url.Query[1..] + "&" : "") + "digest=" + Uri.EscapeDataString(TestImage.DigestOf(blob)) };
        using var finish = new HttpRequestMessage(HttpMethod.Put, put.Uri) { Content = new ByteArrayContent(blob) };
        finish.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        finish.Headers.Authorization = authorization;
        using var done = await _http.SendAsync(finish);
        Assert.True(done.StatusCode == HttpStatusCode.Created, $"PUT blob: {(int)done.StatusCode} {await done.Content.ReadAsStringAsync()}");
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
