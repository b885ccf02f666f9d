using System.Text.Json;
using Linnet.Platform.Universal.Images;
using Linnet.Platform.Universal.Tests.Store;
using Linnet.Registry;
using Linnet.Registry.Tests.Infrastructure;
using Linnet.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Platform.Universal.Tests.Images;

/// <summary>Linnet's own container images, as `deploy/images.sh` builds them with the .NET SDK's container support
/// (no Docker) and pushes them to a real registry (Debian's <c>docker-registry</c>): each is inspected there (user,
/// entrypoint, ports, layers verified by digest), then pulled by Linnet's own image store and run in a chroot of
/// nothing but the image, as its own user. The base is what Microsoft's runtime-deps image holds (glibc, libstdc++,
/// libgcc, OpenSSL, zlib), taken from this Debian host, since the tests reach no other registry.</summary>
public sealed class ContainerImageTests
{
    // runtime-deps' libraries (its Dockerfile installs libc6, libgcc-s1, libssl3, libstdc++6, zlib1g).
    private static readonly string[] Libraries =
    [
        "libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libstdc++.so.6", "libgcc_s.so.1",
        "libssl.so.3", "libcrypto.so.3", "libz.so.1",
    ];

    private static string Repository
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Linnet.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("not inside the repository");
        }
    }

    [Fact]
    public async Task ImagesScript_BothImagesPushedInspectedPulledAndRunAsTheirUsers()
    {
        RequireRoot();
        var ct = TestContext.Current.CancellationToken;
        RegistryServer.Binary();
        await using var registry = await RegistryServer.StartAsync();
        using var work = new TempDirectory();

        // The base image, pushed as a user's own mirror of runtime-deps would be.
        var files = Libraries.ToDictionary(
            l => $"lib/x86_64-linux-gnu/{l}",
            l => (File.ReadAllBytes(Path.Combine("/lib/x86_64-linux-gnu", l)), (UnixFileMode)0b111_101_101));
        files["lib64/ld-linux-x86-64.so.2"] = (File.ReadAllBytes("/lib64/ld-linux-x86-64.so.2"), (UnixFileMode)0b111_101_101);
        var baseImage = TestImage.BuildFromBytes([files], [], [], ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "/");
        using (var pusher = new RegistryPusher(registry.BaseUri))
        {
            await pusher.PushAsync("mirror/runtime-deps", "10.0", baseImage);
        }

        // The script, as its header documents it.
        var script = await RunAsync("bash", [Path.Combine(Repository, "deploy", "images.sh")], new Dictionary<string, string?>
        {
            ["LINNET_REGISTRY"] = $"{registry.Host}/team",
            ["LINNET_TAG"] = "9.9.9-test",
            ["LINNET_BASE_IMAGE"] = $"{registry.Host}/mirror/runtime-deps:10.0",
            ["LINNET_INSECURE"] = "1",
            ["LINNET_BUILD_DIR"] = Path.Combine(work.Path, "build"),
        }, Repository, TimeSpan.FromMinutes(20), ct);
        Assert.True(script.ExitCode == 0, script.Output);
        var lines = script.Output.Split('\n');
        Assert.Contains($"{registry.Host}/team/linnet/proxy:9.9.9-test", lines);
        Assert.Contains($"{registry.Host}/team/linnet/control-plane:9.9.9-test", lines);

        // Pulled and unpacked by Linnet's own store: every blob checked against its digest on the way.
        using var store = new ImageStore(Path.Combine(work.Path, "images"), NullLogger.Instance);
        var proxy = await store.ResolveAsync($"{registry.Host}/team/linnet/proxy:9.9.9-test", null, null, ct);
        var controlPlane = await store.ResolveAsync($"{registry.Host}/team/linnet/control-plane:9.9.9-test", null, null, ct);

        // What a cluster reads from each image's config.
        var proxyConfig = Config(Path.Combine(work.Path, "images", "cache"), proxy);
        Assert.Equal("2102", proxy.Config.User);
        Assert.Equal(["/app/linnet-proxy"], proxy.Config.Entrypoint);
        Assert.Equal(["4140/tcp", "4143/tcp", "4191/tcp"], Ports(proxyConfig));
        var controlPlaneConfig = Config(Path.Combine(work.Path, "images", "cache"), controlPlane);
        Assert.Equal("2103", controlPlane.Config.User);
        Assert.Equal(["/app/linnet"], controlPlane.Config.Entrypoint);
        Assert.Equal(["8084/tcp", "8086/tcp", "8443/tcp"], Ports(controlPlaneConfig));

        // Each runs from nothing but its image, as its user: the proxy's and the CLI's own version answers.
        var proxyRun = await RunInImageAsync(proxy, "2102", ["/app/linnet-proxy", "--version"], ct);
        Assert.True(proxyRun.ExitCode == 0, proxyRun.Output);
        Assert.Matches(@"^\d+\.\d+\.\d+", proxyRun.Output.Trim());
        var cliRun = await RunInImageAsync(controlPlane, "2103", ["/app/linnet", "control-plane", "--help"], ct);
        Assert.True(cliRun.ExitCode == 0, cliRun.Output);
        Assert.Contains("--identity-issuer-key-file", cliRun.Output, StringComparison.Ordinal);
    }

    private static void RequireRoot()
    {
        if (Environment.UserName == "root" && File.Exists("/usr/bin/unshare") && File.Exists("/usr/sbin/chroot"))
        {
            return;
        }

        const string reason = "running an image's program in a chroot of it needs root, unshare and chroot";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"{reason}; CI=true, so this test must run rather than skip");
        }

        Assert.Skip(reason);
    }

    private static JsonElement Config(string cache, ResolvedImage image)
    {
        var blobs = new BlobCache(cache);
        var manifest = JsonDocument.Parse(File.ReadAllBytes(blobs.PathOf(ManifestOf(blobs, image)))).RootElement;
        var digest = ContentDigest.Parse(manifest.GetProperty("config").GetProperty("digest").GetString(), "config digest");
        return JsonDocument.Parse(File.ReadAllBytes(blobs.PathOf(digest))).RootElement.GetProperty("config");
    }

    // The image's own manifest (a tag may name an index first): the one blob in the cache that has a config.
    private static ContentDigest ManifestOf(BlobCache blobs, ResolvedImage image)
    {
        var document = JsonDocument.Parse(File.ReadAllBytes(blobs.PathOf(image.Digest))).RootElement;
        return document.TryGetProperty("config", out _)
            ? image.Digest
            : ContentDigest.Parse(document.GetProperty("manifests").EnumerateArray()
                .First(m => m.GetProperty("platform").GetProperty("architecture").GetString() == "amd64").GetProperty("digest").GetString(), "manifest digest");
    }

    private static string[] Ports(JsonElement config) =>
        [.. config.GetProperty("ExposedPorts").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    // A mount namespace of its own with /proc mounted inside the image (so nothing is left mounted on the host),
    // then chroot into the unpacked image as `user`.
    private static Task<(int ExitCode, string Output)> RunInImageAsync(ResolvedImage image, string user, string[] command, CancellationToken ct)
    {
        // The store keeps its unpacked images owner-only (workloads run from their own copies); inside the chroot the
        // image's root is "/", which its user must be able to enter, as in a container.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(image.RootFs, (UnixFileMode)0b111_101_101);
        }

        Directory.CreateDirectory(Path.Combine(image.RootFs, "proc"));
        Directory.CreateDirectory(Path.Combine(image.RootFs, "tmp"));
        return RunAsync(
            "unshare",
            ["--mount", "--pid", "--fork", $"--mount-proc={Path.Combine(image.RootFs, "proc")}", "chroot", $"--userspec={user}:{user}", image.RootFs, .. command],
            new Dictionary<string, string?> { ["DOTNET_EnableDiagnostics"] = "0" },
            "/",
            TimeSpan.FromMinutes(2),
            ct);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, string[] arguments, Dictionary<string, string?> environment, string directory, TimeSpan timeout, CancellationToken ct)
    {
        await using var process = await TestProcess.StartAsync(fileName, arguments, environment, directory, ct);
        var code = await process.WaitForExitAsync(timeout, ct);
        return (code, process.Output);
    }
}
