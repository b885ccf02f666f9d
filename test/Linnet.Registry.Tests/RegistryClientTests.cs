using System.Diagnostics;
using System.Security.Cryptography;
using Linnet.Registry.Tests.Infrastructure;

namespace Linnet.Registry.Tests;

/// <summary>The pull client against a real Docker distribution registry on loopback, with images the tests build
/// and push through the distribution API.</summary>
public sealed class RegistryClientTests(AnonymousRegistryFixture fixture) : IClassFixture<AnonymousRegistryFixture>, IDisposable
{
    private readonly string _cacheDir = Path.Combine(Path.GetTempPath(), "linnet-blobs-" + Guid.NewGuid().ToString("N")[..12]);

    private RegistryServer Registry
    {
        get
        {
            RegistryServer.Binary();
            return fixture.Server;
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_cacheDir))
        {
            Directory.Delete(_cacheDir, recursive: true);
        }
    }

    [Fact]
    public async Task PullAsync_OciImage_BlobsVerifiedInCacheAndConfigRead()
    {
        var image = TestImage.Script("hello", padding: 100_000);
        using var pusher = new RegistryPusher(Registry.BaseUri);
        await pusher.PushAsync("team/hello", "1.0.0", image);
        var cache = new BlobCache(_cacheDir);
        var reports = new List<PullProgress>();
        using var client = new RegistryClient();

        var pulled = await client.PullAsync(ImageReference.Parse($"{Registry.Host}/team/hello:1.0.0"), null, cache, new SyncProgress(reports), TestContext.Current.CancellationToken);

        Assert.Equal(image.Digest, pulled.Digest.ToString());
        Assert.Equal(image.Digest, pulled.ManifestDigest.ToString());
        Assert.Equal(TestImage.DigestOf(image.Config), pulled.ConfigDigest.ToString());
        var layer = Assert.Single(pulled.Layers);
        Assert.Equal(TestImage.DigestOf(image.Layers[0]), layer.Digest.ToString());
        Assert.Equal(image.Layers[0], await File.ReadAllBytesAsync(cache.PathOf(layer.Digest), TestContext.Current.CancellationToken));
        Assert.Equal(image.Config, await File.ReadAllBytesAsync(cache.PathOf(pulled.ConfigDigest), TestContext.Current.CancellationToken));
        Assert.Equal(["/app/run.sh"], pulled.Config.Entrypoint);
        Assert.Equal(["GREETING=hello"], pulled.Config.Env);
        Assert.Equal("/app", pulled.Config.WorkingDir);
        Assert.Contains(reports, r => r.Digest == layer.Digest && r.Received == layer.Size && r.Total == layer.Size && !r.Cached);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_cacheDir, "blobs", "sha256")));

        // A second pull finds everything in the cache: no blob is fetched again.
        reports.Clear();
        await client.PullAsync(ImageReference.Parse($"{Registry.Host}/team/hello:1.0.0"), null, cache, new SyncProgress(reports), TestContext.Current.CancellationToken);
        Assert.All(reports, r => Assert.True(r.Cached));
    }

    [Fact]
    public async Task PullAsync_Index_ChoosesLinuxAmd64()
    {
        var arm = TestImage.Build([new Dictionary<string, (string, UnixFileMode)> { ["arm.txt"] = ("arm", (UnixFileMode)0b110_100_100) }], ["/arm"], [], [], "/", "arm64");
        var amd = TestImage.Script("amd");
        using var pusher = new RegistryPusher(Registry.BaseUri);
        await pusher.PushAsync("multi/app", arm.Digest, arm);
        await pusher.PushAsync("multi/app", amd.Digest, amd);
        var index = TestImage.Index((arm.Manifest, "arm64"), (amd.Manifest, "amd64"));
        await pusher.PushManifestAsync("multi/app", "2.0", index, MediaTypes.OciIndex);
        using var client = new RegistryClient();

        var pulled = await client.PullAsync(ImageReference.Parse($"{Registry.Host}/multi/app:2.0"), null, new BlobCache(_cacheDir), null, TestContext.Current.CancellationToken);
        var digest = await client.GetDigestAsync(ImageReference.Parse($"{Registry.Host}/multi/app:2.0"), null, TestContext.Current.CancellationToken);

        Assert.Equal(TestImage.DigestOf(index), pulled.Digest.ToString());
        Assert.Equal(TestImage.DigestOf(index), digest.ToString());
        Assert.Equal(amd.Digest, pulled.ManifestDigest.ToString());
        Assert.Equal(["/app/run.sh"], pulled.Config.Entrypoint);
    }

    [Fact]
    public async Task PullAsync_IndexWithoutAmd64_RefusedNamingPlatforms()
    {
        var arm = TestImage.Build([new Dictionary<string, (string, UnixFileMode)> { ["arm.txt"] = ("arm", (UnixFileMode)0b110_100_100) }], ["/arm"], [], [], "/", "arm64");
        using var pusher = new RegistryPusher(Registry.BaseUri);
        await pusher.PushAsync("multi/armonly", arm.Digest, arm);
        await pusher.PushManifestAsync("multi/armonly", "1.0", TestImage.Index((arm.Manifest, "arm64")), MediaTypes.OciIndex);
        using var client = new RegistryClient();

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.PullAsync(ImageReference.Parse($"{Registry.Host}/multi/armonly:1.0"), null, new BlobCache(_cacheDir), null, TestContext.Current.CancellationToken));

        Assert.Contains("no linux/amd64 image in the index (it has: linux/arm64)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetDigestAsync_Tag_IsPushedManifestDigestAndFollowsRepush()
    {
        var first = TestImage.Script("one");
        var second = TestImage.Script("two");
        using var pusher = new RegistryPusher(Registry.BaseUri);
        await pusher.PushAsync("digests/app", "latest", first);
        using var client = new RegistryClient();
        var reference = ImageReference.Parse($"{Registry.Host}/digests/app");

        var before = await client.GetDigestAsync(reference, null, TestContext.Current.CancellationToken);
        await pusher.PushAsync("digests/app", "latest", second);
        var after = await client.GetDigestAsync(reference, null, TestContext.Current.CancellationToken);

        Assert.Equal("latest", reference.Tag);
        Assert.Equal(first.Digest, before.ToString());
        Assert.Equal(second.Digest, after.ToString());
    }

    [Fact]
    public async Task PullAsync_ByDigest_PullsThatImageAfterTheTagMoved()
    {
        var approved = TestImage.Script("approved");
        var later = TestImage.Script("later");
        using var pusher = new RegistryPusher(Registry.BaseUri);
        await pusher.PushAsync("pinned/app", "1.0", approved);
        await pusher.PushAsync("pinned/app", "1.0", later);
        using var client = new RegistryClient();

        var pulled = await client.PullAsync(ImageReference.Parse($"{Registry.Host}/pinned/app:1.0@{approved.Digest}"), null, new BlobCache(_cacheDir), null, TestContext.Current.CancellationToken);

        Assert.Equal(approved.Digest, pulled.Digest.ToString());
        Assert.Equal(["GREETING=approved"], pulled.Config.Env);
    }

    [Fact]
    public async Task ListTagsAsync_PushedTags_Listed()
    {
        using var pusher = new RegistryPusher(Registry.BaseUri);
        foreach (var tag in new[] { "1.0.0", "1.1.0", "v2.0.0", "latest" })
        {
            await pusher.PushAsync("tags/app", tag, TestImage.Script(tag.Replace('.', '-')));
        }

        using var client = new RegistryClient();

        var tags = await client.ListTagsAsync(ImageReference.Parse($"{Registry.Host}/tags/app"), null, TestContext.Current.CancellationToken);

        Assert.Equal(["1.0.0", "1.1.0", "latest", "v2.0.0"], tags.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PullAsync_UnknownTag_NotFoundWithRegistryCode()
    {
        using var client = new RegistryClient();

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.PullAsync(ImageReference.Parse($"{Registry.Host}/nothing/here:1.0"), null, new BlobCache(_cacheDir), null, TestContext.Current.CancellationToken));

        Assert.Contains("not found", error.Message, StringComparison.Ordinal);
        Assert.Contains("MANIFEST_UNKNOWN manifest unknown", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullAsync_PartialFileFromEarlierRun_ResumedWithRange()
    {
        var image = TestImage.Script("resume", padding: 300_000);
        using var pusher = new RegistryPusher(Registry.BaseUri);
        await pusher.PushAsync("resume/app", "1.0", image);
        await using var front = await FaultFront.StartAsync(Registry.BaseUri);
        var cache = new BlobCache(_cacheDir);
        var layerDigest = ContentDigest.Parse(TestImage.DigestOf(image.Layers[0]), "layer");
        var half = image.Layers[0].Length / 2;
        await File.WriteAllBytesAsync(cache.PartialPathOf(layerDigest), image.Layers[0][..half], TestContext.Current.CancellationToken);
        using var client = new RegistryClient();

        await client.PullAsync(ImageReference.Parse($"{front.Host}/resume/app:1.0"), null, cache, null, TestContext.Current.CancellationToken);

        var layerRequest = Assert.Single(front.Requests, r => r.Path.Contains(layerDigest.Hex, StringComparison.Ordinal));
        Assert.Equal($"bytes={half}-", layerRequest.Range);
        Assert.Equal(image.Layers[0], await File.ReadAllBytesAsync(cache.PathOf(layerDigest), TestContext.Current.CancellationToken));
        Assert.False(File.Exists(cache.PartialPathOf(layerDigest)));
    }

    [Fact]
    public async Task PullAsync_ConnectionCutMidBlob_ResumesFromWhatArrived()
    {
        var image = TestImage.Script("cut", padding: 400_000);
        using var pusher = new RegistryPusher(Registry.BaseUri);
        await pusher.PushAsync("cut/app", "1.0", image);
        await using var front = await FaultFront.StartAsync(Registry.BaseUri);
        var layerDigest = ContentDigest.Parse(TestImage.DigestOf(image.Layers[0]), "layer");
        front.TruncateOnce = (layerDigest.Hex, 150_000);
        var cache = new BlobCache(_cacheDir);
        using var client = new RegistryClient();

        await client.PullAsync(ImageReference.Parse($"{front.Host}/cut/app:1.0"), null, cache, null, TestContext.Current.CancellationToken);

        var layerRequests = front.Requests.Where(r => r.Path.Contains(layerDigest.Hex, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, layerRequests.Count);
        Assert.Null(layerRequests[0].Range);
        Assert.StartsWith("bytes=", layerRequests[1].Range, StringComparison.Ordinal);
        var resumedAt = long.Parse(layerRequests[1].Range!["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(resumedAt, 1, 150_000);
        Assert.Equal(image.Layers[0], await File.ReadAllBytesAsync(cache.PathOf(layerDigest), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PullAsync_BlobNotMatchingDigest_RefusedAndNotCached()
    {
        var image = TestImage.Script("corrupt", padding: 10_000);
        using var pusher = new RegistryPusher(Registry.BaseUri);
        await pusher.PushAsync("corrupt/app", "1.0", image);
        await using var front = await FaultFront.StartAsync(Registry.BaseUri);
        var layerDigest = ContentDigest.Parse(TestImage.DigestOf(image.Layers[0]), "layer");
        front.CorruptPath = layerDigest.Hex;
        var cache = new BlobCache(_cacheDir);
        using var client = new RegistryClient();

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.PullAsync(ImageReference.Parse($"{front.Host}/corrupt/app:1.0"), null, cache, null, TestContext.Current.CancellationToken));

        Assert.Contains($"blob {layerDigest} arrived as sha256:", error.Message, StringComparison.Ordinal);
        Assert.False(cache.Contains(layerDigest));
    }

    [Fact]
    public async Task PullAsync_ManifestNotMatchingPinnedDigest_Refused()
    {
        var image = TestImage.Script("pinned");
        using var pusher = new RegistryPusher(Registry.BaseUri);
        await pusher.PushAsync("tamper/app", "1.0", image);
        await using var front = await FaultFront.StartAsync(Registry.BaseUri);
        front.CorruptPath = "/manifests/";
        using var client = new RegistryClient();

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.PullAsync(ImageReference.Parse($"{front.Host}/tamper/app@{image.Digest}"), null, new BlobCache(_cacheDir), null, TestContext.Current.CancellationToken));

        Assert.Contains($"the manifest served for {image.Digest} hashes to", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetDigestAsync_RateLimited_WaitsRetryAfterThenAnswers()
    {
        var image = TestImage.Script("limited");
        using var pusher = new RegistryPusher(Registry.BaseUri);
        await pusher.PushAsync("limited/app", "1.0", image);
        await using var front = await FaultFront.StartAsync(Registry.BaseUri);
        front.RateLimitCount = 2;
        front.RetryAfter = "1";
        var time = new RecordingTime();
        using var client = new RegistryClient(timeProvider: time);

        var digest = await client.GetDigestAsync(ImageReference.Parse($"{front.Host}/limited/app:1.0"), null, TestContext.Current.CancellationToken);

        Assert.Equal(image.Digest, digest.ToString());
        Assert.Equal(3, front.Requests.Count);
        // Retry-After: 1 (RFC 9110 §10.2.3, delay-seconds) is honoured: the client waits a second before each retry.
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)], time.Waits);
    }

    [Fact]
    public async Task GetDigestAsync_RetryAfterBeyondLimit_FailsWithReasonWithoutWaiting()
    {
        await using var front = await FaultFront.StartAsync(Registry.BaseUri);
        front.RateLimitCount = 1;
        front.RetryAfter = "3600";
        using var client = new RegistryClient(options: new RegistryClientOptions { MaxRetryAfter = TimeSpan.FromSeconds(30) });

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.GetDigestAsync(ImageReference.Parse($"{front.Host}/limited/other:1.0"), null, TestContext.Current.CancellationToken));

        Assert.Contains("rate limited (429), asked to retry after 3600s", error.Message, StringComparison.Ordinal);
        Assert.Single(front.Requests);
    }

    [Fact]
    public async Task GetDigestAsync_RateLimitedWithoutRetryAfter_BacksOffThenGivesUp()
    {
        await using var front = await FaultFront.StartAsync(Registry.BaseUri);
        front.RateLimitCount = 100;
        var time = new RecordingTime();
        using var client = new RegistryClient(options: new RegistryClientOptions { MaxRateLimitRetries = 2, InitialBackoff = TimeSpan.FromMilliseconds(200) }, timeProvider: time);

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.GetDigestAsync(ImageReference.Parse($"{front.Host}/limited/other:1.0"), null, TestContext.Current.CancellationToken));

        Assert.Contains("still 429 after 2 retries", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, front.Requests.Count);
        // Exponential from the initial backoff: 200 ms, then 400 ms, then no third wait (two retries).
        Assert.Equal([TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400)], time.Waits);
    }

    private sealed class SyncProgress(List<PullProgress> reports) : IProgress<PullProgress>
    {
        public void Report(PullProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
