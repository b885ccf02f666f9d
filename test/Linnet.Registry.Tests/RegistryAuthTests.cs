using System.Net.Http.Headers;
using System.Text;
using Linnet.Registry.Tests.Infrastructure;

namespace Linnet.Registry.Tests;

/// <summary>Registry authentication against a real registry: htpasswd (Basic) and the token flow (Bearer), with
/// credentials from an owner-only Docker config file.</summary>
public sealed class RegistryAuthTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "linnet-auth-" + Guid.NewGuid().ToString("N")[..12]);

    public RegistryAuthTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task PullAsync_Htpasswd_CredentialsFromFileWorkOthersRefused()
    {
        await using var registry = await RegistryServer.StartWithHtpasswdAsync("alice", "s3cret-pw");
        using (var pusher = new RegistryPusher(registry.BaseUri, Basic("alice", "s3cret-pw")))
        {
            await pusher.PushAsync("private/app", "1.0", TestImage.Script("private"));
        }

        var file = WriteDockerConfig(registry.Host, "alice", "s3cret-pw", (UnixFileMode)0b110_000_000);
        var credentials = RegistryCredentials.FromDockerConfig(file, registry.Host);
        var reference = ImageReference.Parse($"{registry.Host}/private/app:1.0");
        using var client = new RegistryClient();

        var pulled = await client.PullAsync(reference, credentials, new BlobCache(Path.Combine(_dir, "cache")), null, TestContext.Current.CancellationToken);
        var anonymous = await Assert.ThrowsAsync<RegistryException>(() => new RegistryClient().GetDigestAsync(reference, null, TestContext.Current.CancellationToken));
        var wrong = await Assert.ThrowsAsync<RegistryException>(() => new RegistryClient().GetDigestAsync(reference, new RegistryCredentials("alice", "wrong"), TestContext.Current.CancellationToken));

        Assert.Equal(["GREETING=private"], pulled.Config.Env);
        Assert.Contains("requires credentials (Basic) and none are configured", anonymous.Message, StringComparison.Ordinal);
        Assert.Contains("refused access (401", wrong.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", wrong.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", credentials!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void FromDockerConfig_FileReadableByOthers_Refused()
    {
        var file = WriteDockerConfig("127.0.0.1:5000", "alice", "pw", (UnixFileMode)0b110_100_100);

        var error = Assert.Throws<RegistryException>(() => RegistryCredentials.FromDockerConfig(file, "127.0.0.1:5000"));

        Assert.Contains("must be readable by its owner only (chmod 600", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromDockerConfig_GroupReadableByOwnGroupAsKubernetesMountsSecrets_Read()
    {
        // A pull secret mounted with defaultMode 0440 and the pod's fsGroup: root-owned (here: ours), readable by the
        // process's own group only. The same check as the control plane's keys (OwnerOnlyFile).
        var file = WriteDockerConfig("127.0.0.1:5000", "alice", "pw", (UnixFileMode)0b100_100_000);

        Assert.Equal(new RegistryCredentials("alice", "pw"), RegistryCredentials.FromDockerConfig(file, "127.0.0.1:5000"));
    }

    [Fact]
    public void FromDockerConfig_GroupWritable_Refused()
    {
        var file = WriteDockerConfig("127.0.0.1:5000", "alice", "pw", (UnixFileMode)0b110_110_000);

        var error = Assert.Throws<RegistryException>(() => RegistryCredentials.FromDockerConfig(file, "127.0.0.1:5000"));

        Assert.Contains("must be readable by its owner only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromDockerConfig_UsernamePasswordAndOtherRegistry_Read()
    {
        var file = Path.Combine(_dir, "plain.json");
        File.WriteAllText(file, """{"auths":{"https://127.0.0.1:5001/":{"username":"bob","password":"pw2"},"other:1":{"auth":"eDp5"}}}""");
        File.SetUnixFileMode(file, (UnixFileMode)0b110_000_000);

        Assert.Equal(new RegistryCredentials("bob", "pw2"), RegistryCredentials.FromDockerConfig(file, "127.0.0.1:5001"));
        Assert.Equal(new RegistryCredentials("x", "y"), RegistryCredentials.FromDockerConfig(file, "other:1"));
        Assert.Null(RegistryCredentials.FromDockerConfig(file, "127.0.0.1:9999"));
    }

    [Fact]
    public async Task PullAsync_BearerTokenFlow_TokenFetchedForPullScope()
    {
        await using var tokens = await TokenServer.StartAsync("carol", "tok-pw");
        await using var registry = await RegistryServer.StartWithTokenAsync(tokens);
        using (var pusher = new RegistryPusher(registry.BaseUri, new AuthenticationHeaderValue("Bearer", tokens.TokenFor("secure/app"))))
        {
            await pusher.PushAsync("secure/app", "2.1", TestImage.Script("secure"));
        }

        var reference = ImageReference.Parse($"{registry.Host}/secure/app:2.1");
        using var client = new RegistryClient();

        var pulled = await client.PullAsync(reference, new RegistryCredentials("carol", "tok-pw"), new BlobCache(Path.Combine(_dir, "cache")), null, TestContext.Current.CancellationToken);
        var tags = await client.ListTagsAsync(reference, new RegistryCredentials("carol", "tok-pw"), TestContext.Current.CancellationToken);
        var refused = await Assert.ThrowsAsync<RegistryException>(() => new RegistryClient().GetDigestAsync(reference, null, TestContext.Current.CancellationToken));

        Assert.Equal(["GREETING=secure"], pulled.Config.Env);
        Assert.Equal(["2.1"], tags);
        // One token for the pull scope, reused for every request of the pull and the tag listing.
        var (query, authenticated) = Assert.Single(tokens.Requests, r => r.Authenticated);
        Assert.Contains("service=" + TokenServer.Service, query, StringComparison.Ordinal);
        Assert.Contains("scope=" + Uri.EscapeDataString("repository:secure/app:pull"), query, StringComparison.Ordinal);
        Assert.True(authenticated);
        Assert.Contains("token endpoint", refused.Message, StringComparison.Ordinal);
        Assert.Contains("answered 401 (no credentials are configured", refused.Message, StringComparison.Ordinal);
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));

    private string WriteDockerConfig(string registry, string user, string password, UnixFileMode mode)
    {
        var file = Path.Combine(_dir, $"config-{Guid.NewGuid():N}.json");
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));
        File.WriteAllText(file, "{\"auths\":{\"" + registry + "\":{\"auth\":\"" + auth + "\"}}}");
        File.SetUnixFileMode(file, mode);
        return file;
    }
}
