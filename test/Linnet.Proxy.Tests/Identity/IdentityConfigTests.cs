using Linnet.ControlPlane.Core.Identity;
using Linnet.Proxy.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.Proxy.Tests.Identity;

/// <summary>The proxy config file's <c>identity:</c> section and <c>inboundTls</c>.</summary>
public sealed class IdentityConfigTests : IDisposable
{
    private readonly MeshIdentity _ca = MeshIdentity.Load(new IdentityOptions(), "cluster.local", new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(60)));
    private readonly string _directory = Directory.CreateTempSubdirectory("linnet-idcfg-").FullName;

    public void Dispose()
    {
        _ca.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Parse_CaIdentityWithAnchorsFile_ReadsEveryField()
    {
        var anchors = Path.Combine(_directory, "ca.pem");
        File.WriteAllText(anchors, _ca.TrustAnchorsPem);

        var (bootstrap, _) = ConfigFileLoader.Parse($"""
            controlPlane: {"{"}address: "127.0.0.1:8086"{"}"}
            inboundTls: strict
            identity:
              name: spiffe://cluster.local/ns/shop/sa/web
              trustAnchorsFile: {anchors}
              caAddress: 127.0.0.1:9999
              tokenFile: /run/token
            """, "test.yaml");

        var identity = bootstrap.Identity!;
        Assert.Equal("spiffe://cluster.local/ns/shop/sa/web", identity.Name);
        Assert.Equal(_ca.TrustAnchorsPem, identity.TrustAnchorsPem);
        Assert.Equal("127.0.0.1:9999", identity.CaAddress);
        Assert.Equal("/run/token", identity.TokenPath);
        Assert.Null(identity.CertificatePemPath);
        Assert.Equal(InboundTlsMode.Strict, bootstrap.InboundTls);
    }

    [Fact]
    public void Parse_NoIdentity_PlaintextPermissive()
    {
        var (bootstrap, _) = ConfigFileLoader.Parse("transparent: false\n", "test.yaml");

        Assert.Null(bootstrap.Identity);
        Assert.Equal(InboundTlsMode.Permissive, bootstrap.InboundTls);
    }

    [Fact]
    public void Parse_FixedCertificate_NeedsNoCa()
    {
        var (bootstrap, _) = ConfigFileLoader.Parse(Identity("certificateFile: /etc/cert.pem\n  keyFile: /etc/key.pem"), "test.yaml");

        Assert.Equal("/etc/cert.pem", bootstrap.Identity!.CertificatePemPath);
        Assert.Equal("/etc/key.pem", bootstrap.Identity.KeyPemPath);
    }

    [Theory]
    [InlineData("name: web\n  tokenFile: /t\n  caAddress: a:1", "identity.name", "is not spiffe://")]
    [InlineData("tokenFile: /t", "identity.caAddress", "required when controlPlane.address is not set")]
    [InlineData("caAddress: a:1", "identity.tokenFile", "required (or certificateFile and keyFile)")]
    [InlineData("certificateFile: /c", "identity.keyFile", "go together")]
    [InlineData("certificateFile: /c\n  keyFile: /k\n  tokenFile: /t", "identity.tokenFile", "not both")]
    [InlineData("tokenFile: /t\n  caAddress: nope", "identity.caAddress", "is not host:port")]
    [InlineData("tokenFile: /t\n  caAddress: a:1\n  extra: 1", "identity.extra", "")]
    public void Parse_BadIdentity_NamesFieldAndReason(string fields, string path, string reason)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.Parse(Identity(fields), "test.yaml"));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AnchorsWithoutCertificate_Refused()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.Parse("""
            identity:
              name: spiffe://cluster.local/ns/shop/sa/web
              trustAnchorsPem: not a certificate
              tokenFile: /t
              caAddress: a:1
            """, "test.yaml"));

        Assert.Contains("identity.trustAnchorsPem: holds no PEM certificate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingAnchorsFile_Refused()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.Parse("""
            identity:
              name: spiffe://cluster.local/ns/shop/sa/web
              trustAnchorsFile: /nonexistent/ca.pem
              tokenFile: /t
              caAddress: a:1
            """, "test.yaml"));

        Assert.Contains("identity.trustAnchorsFile: cannot read /nonexistent/ca.pem", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inboundTls: strict\n", "strict needs an identity section")]
    [InlineData("inboundTls: sometimes\n", "'sometimes' is not one of: strict, permissive")]
    public void Parse_BadInboundTls_Refused(string yaml, string reason)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.Parse(yaml, "test.yaml"));

        Assert.Contains("inboundTls", ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    private string Identity(string fields)
    {
        var anchors = Path.Combine(_directory, "anchors.pem");
        File.WriteAllText(anchors, _ca.TrustAnchorsPem);
        var named = fields.StartsWith("name:", StringComparison.Ordinal) ? "" : "name: spiffe://cluster.local/ns/shop/sa/web\n  ";
        return $"identity:\n  {named}trustAnchorsFile: {anchors}\n  {fields}\n";
    }
}
