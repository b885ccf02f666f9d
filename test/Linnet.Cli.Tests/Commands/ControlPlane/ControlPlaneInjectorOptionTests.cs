using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Linnet.Cli.Commands.ControlPlane;
using Linnet.Cli.Tests.Commands.Check;

namespace Linnet.Cli.Tests.Commands.ControlPlane;

/// <summary>The proxy injector's flags on <c>linnet control-plane</c>: the certificate and its key go together, the key
/// must be owner-only, a bad address or image is refused with the flag's name, and universal mode refuses them all.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ControlPlaneInjectorOptionTests : IDisposable
{
    private const string Listen = "0.0.0.0:8443";
    private const string Image = "cr.l5d.io/linnet/proxy:1.0.0";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void TryInjector_NeitherFile_InjectorOff()
    {
        Assert.True(ControlPlaneCommand.TryInjector(null, null, Listen, Image, Linnet.Platform.Kubernetes.Injection.InjectionSettings.DefaultInitImage, out var injector, out _));
        Assert.Null(injector);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void TryInjector_OnlyOneFile_RefusedWithReason(bool certificate, bool key)
    {
        var (cert, keyFile) = WritePair(UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.False(ControlPlaneCommand.TryInjector(certificate ? cert : null, key ? keyFile : null, Listen, Image, Linnet.Platform.Kubernetes.Injection.InjectionSettings.DefaultInitImage, out var injector, out var error));
        Assert.Null(injector);
        Assert.Contains("--injector-certificate-file and --injector-key-file go together", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryInjector_KeyReadableByAnotherGroup_RefusedWithReason()
    {
        var (cert, key) = WritePair(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        // Another group than the process's: its members are other users (chgrp needs root, as test.sh runs the tests).
        using (var chgrp = System.Diagnostics.Process.Start("chgrp", ["54321", key]))
        {
            chgrp.WaitForExit();
            Assert.Equal(0, chgrp.ExitCode);
        }

        Assert.False(ControlPlaneCommand.TryInjector(cert, key, Listen, Image, Linnet.Platform.Kubernetes.Injection.InjectionSettings.DefaultInitImage, out var injector, out var error));
        Assert.Null(injector);
        Assert.StartsWith("--injector-key-file:", error, StringComparison.Ordinal);
        Assert.Contains("must be readable by its owner only", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryInjector_KeyReadableByItsOwnGroupOnlyAsTheInstallMountsIt_Loads()
    {
        // linnet install's Secret volume: 0440, the file's group the control plane's own (fsGroup = runAsGroup).
        var (cert, key) = WritePair(UnixFileMode.UserRead | UnixFileMode.GroupRead);

        Assert.True(ControlPlaneCommand.TryInjector(cert, key, Listen, Image, Linnet.Platform.Kubernetes.Injection.InjectionSettings.DefaultInitImage, out var injector, out var error), error);
        Assert.NotNull(injector);
        injector.Certificate.Dispose();
    }

    [Theory]
    [InlineData("8443", Image, "--injector-listen")]
    [InlineData("0.0.0.0:0", Image, "--injector-listen")]
    [InlineData(Listen, "Not An Image", "--proxy-image")]
    public void TryInjector_BadListenOrImage_RefusedNamingTheFlag(string listen, string image, string flag)
    {
        var (cert, key) = WritePair(UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.False(ControlPlaneCommand.TryInjector(cert, key, listen, image, Linnet.Platform.Kubernetes.Injection.InjectionSettings.DefaultInitImage, out var injector, out var error));
        Assert.Null(injector);
        Assert.StartsWith(flag + ":", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Not An Image", "--init-image:")]
    [InlineData("cr.l5d.io/linkerd/proxy-init", "--init-image: 'cr.l5d.io/linkerd/proxy-init' names no tag")]
    public void TryInjector_BadInitImage_RefusedNamingTheFlag(string initImage, string reason)
    {
        var (cert, key) = WritePair(UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.False(ControlPlaneCommand.TryInjector(cert, key, Listen, Image, initImage, out var injector, out var error));
        Assert.Null(injector);
        Assert.StartsWith(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryInjector_InitImage_InTheInjectorsOptions()
    {
        var (cert, key) = WritePair(UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.True(ControlPlaneCommand.TryInjector(cert, key, Listen, Image, "registry.example/proxy-init:v1", out var injector, out var error), error);
        Assert.Equal("registry.example/proxy-init:v1", injector!.InitImage);
        injector.Certificate.Dispose();
    }

    [Theory]
    [InlineData("universal")]
    [InlineData("kubernetes")]
    public async Task ControlPlane_BadDefaultInboundPolicy_Exits2WithTheReason(string platform)
    {
        var ct = TestContext.Current.CancellationToken;
        var data = Path.Combine(_dir.Path, "data");

        var result = await CheckCommandTests.RunAsync(new Dictionary<string, string?> { ["HOME"] = _dir.Path }, ["control-plane", "--platform", platform, "--data-dir", data, "--default-inbound-policy", "allow"], ct);

        Assert.Equal(2, result.Code);
        Assert.Contains("--default-inbound-policy: 'allow' is not one of: all-unauthenticated, all-authenticated, deny, audit", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data));
    }

    [Fact]
    public void TryInjector_OwnerOnlyPair_Loaded()
    {
        var (cert, key) = WritePair(UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.True(ControlPlaneCommand.TryInjector(cert, key, Listen, Image, Linnet.Platform.Kubernetes.Injection.InjectionSettings.DefaultInitImage, out var injector, out var error), error);
        Assert.True(injector!.Certificate.HasPrivateKey);
        Assert.Equal(8443, injector.EndPoint.Port);
    }

    [Theory]
    [InlineData("--injector-certificate-file")]
    [InlineData("--injector-key-file")]
    [InlineData("--proxy-image")]
    [InlineData("--init-image")]
    public async Task ControlPlane_InjectorFlagInUniversalMode_Exits2WithReason(string option)
    {
        var ct = TestContext.Current.CancellationToken;
        var data = Path.Combine(_dir.Path, "data");

        var result = await CheckCommandTests.RunAsync(new Dictionary<string, string?> { ["HOME"] = _dir.Path }, ["control-plane", "--data-dir", data, option, "x"], ct);

        Assert.Equal(2, result.Code);
        Assert.Contains(option, result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data));
    }

    private (string Certificate, string Key) WritePair(UnixFileMode keyMode)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = TimeProvider.System.GetUtcNow();
        using var certificate = new CertificateRequest("CN=linnet-proxy-injector.linnet.svc", key, HashAlgorithmName.SHA256).CreateSelfSigned(now.AddMinutes(-1), now.AddDays(1));
        var certificatePath = Path.Combine(_dir.Path, "tls.crt");
        var keyPath = Path.Combine(_dir.Path, "tls.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(keyPath, keyMode);
        return (certificatePath, keyPath);
    }
}
