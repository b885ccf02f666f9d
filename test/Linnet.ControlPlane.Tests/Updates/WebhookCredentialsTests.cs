using Linnet.ControlPlane.Updates;

namespace Linnet.ControlPlane.Tests.Updates;

/// <summary>The webhook credentials file: owner-only, one <c>user:password</c> line; the password never printed.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WebhookCredentialsTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "linnet-webhook-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => File.Delete(_file);

    [Fact]
    public void FromFile_OwnerOnlyUserPassword_Read()
    {
        Write("registry:s3cret\n", (UnixFileMode)0b110_000_000);

        var credentials = WebhookCredentials.FromFile(_file);

        Assert.Equal(new WebhookCredentials("registry", "s3cret"), credentials);
        Assert.DoesNotContain("s3cret", credentials.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("registry:s3cret", 0b110_100_100, "owner only (chmod 600, or 0440 when its group is the control plane's own)")]
    [InlineData("no-colon", 0b110_000_000, "one line, user:password")]
    [InlineData("a:b\nc:d", 0b110_000_000, "one line, user:password")]
    [InlineData(":pw", 0b110_000_000, "one line, user:password")]
    public void FromFile_Bad_Refused(string content, int mode, string reason)
    {
        Write(content, (UnixFileMode)mode);

        var error = Assert.Throws<InvalidOperationException>(() => WebhookCredentials.FromFile(_file));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    private void Write(string content, UnixFileMode mode)
    {
        File.WriteAllText(_file, content);
        File.SetUnixFileMode(_file, mode);
    }
}
