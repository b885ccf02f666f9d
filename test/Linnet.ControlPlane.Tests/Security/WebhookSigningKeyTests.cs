using System.Security.Cryptography;
using System.Text;
using Linnet.ControlPlane.Core.Rollouts;
using Linnet.ControlPlane.Security;

namespace Linnet.ControlPlane.Tests.Security;

/// <summary>The webhook keys in the data directory: secrets owner-only, the public key readable by every uid and
/// the same as the variable workloads get, both kept across restarts.</summary>
public sealed class WebhookSigningKeyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("linnet-webhook-key-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void LoadOrCreate_FirstStart_SecretsOwnerOnlyPublicKeyWorldReadable()
    {
        var key = WebhookSigningKey.LoadOrCreate(Path.Combine(_directory, WebhookSigningKey.FileName));

        var privatePath = Path.Combine(_directory, WebhookSigningKey.PrivateKeyFileName);
        var publicPath = Path.Combine(_directory, WebhookSigningKey.PublicKeyFileName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(privatePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_directory, WebhookSigningKey.FileName)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(publicPath));
        Assert.DoesNotContain("PRIVATE", File.ReadAllText(publicPath), StringComparison.Ordinal);

        // What the file and the workloads' variable publish verifies what the control plane signs.
        var body = Encoding.UTF8.GetBytes("{}");
        var line = new WebhookRequestLine("POST", "flagger-loadtester.test", "/");
        var now = TimeProvider.System.GetUtcNow();
        var header = WebhookSignature.SignRequest(key.Key, key.Signer!, line, body, now, WebhookSignature.NewNonce());
        using var fromFile = WebhookSigningKey.ReadPublicKey(File.ReadAllText(publicPath), publicPath);
        using var fromVariable = WebhookSigningKey.ReadPublicKey(key.WorkloadEnvironment()[WebhookSigningKey.PublicKeyVariable], "variable");
        Assert.True(WebhookSignature.VerifyRequest(fromFile, line, body, header, now).Valid);
        Assert.True(WebhookSignature.VerifyRequest(fromVariable, line, body, header, now).Valid);
    }

    [Fact]
    public void LoadOrCreate_Restart_SameKeys()
    {
        var path = Path.Combine(_directory, WebhookSigningKey.FileName);
        var first = WebhookSigningKey.LoadOrCreate(path);
        var second = WebhookSigningKey.LoadOrCreate(path);

        Assert.Equal(first.Key, second.Key);
        Assert.Equal(first.PublicKey, second.PublicKey);
    }

    [Fact]
    public void LoadOrCreate_PrivateKeyReadableByOthers_RefusedWithTheFix()
    {
        var path = Path.Combine(_directory, WebhookSigningKey.FileName);
        WebhookSigningKey.LoadOrCreate(path);
        var privatePath = Path.Combine(_directory, WebhookSigningKey.PrivateKeyFileName);
        File.SetUnixFileMode(privatePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var ex = Assert.Throws<ControlPlaneConfigurationException>(() => WebhookSigningKey.LoadOrCreate(path));

        Assert.Contains("chmod 600", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a key")]
    [InlineData("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")]
    public void ReadPublicKey_NotAP256PublicKey_Refused(string text)
    {
        Assert.Throws<ControlPlaneConfigurationException>(() => WebhookSigningKey.ReadPublicKey(text, "LINNET_WEBHOOK_PUBLIC_KEY"));
    }

    [Fact]
    public void ReadPublicKey_P384Key_Refused()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        Assert.Throws<ControlPlaneConfigurationException>(() => WebhookSigningKey.ReadPublicKey(p384.ExportSubjectPublicKeyInfoPem(), "file"));
    }
}
