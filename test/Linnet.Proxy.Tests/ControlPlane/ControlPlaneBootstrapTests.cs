using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Tests.ControlPlane;

/// <summary>The <c>controlPlane</c> section of the proxy's config file.</summary>
public sealed class ControlPlaneBootstrapTests
{
    private static readonly string Identity = $"\nidentity: {{name: 'spiffe://mesh.example/ns/shop/sa/web', trustAnchorsFile: '{AnchorsFile()}', tokenFile: /run/token}}";

    private static string AnchorsFile()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=anchor", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var now = TimeProvider.System.GetUtcNow();
        using var anchor = request.CreateSelfSigned(now, now.AddHours(1));
        var path = Path.Combine(Path.GetTempPath(), $"linnet-cp-bootstrap-{Environment.ProcessId}.pem");
        File.WriteAllText(path, anchor.ExportCertificatePem());
        return path;
    }

    [Fact]
    public void Parse_ControlPlaneAddress_SetsItAndLeavesServicesEmpty()
    {
        var (bootstrap, services) = ConfigFileLoader.Parse("controlPlane: {address: \"127.0.0.1:8086\"}" + Identity, "cp.yaml");

        Assert.Equal("127.0.0.1:8086", bootstrap.ControlPlaneAddress);
        Assert.Empty(services);
    }

    [Fact]
    public void Parse_ControlPlaneWithoutIdentity_RefusedForWantOfTrustAnchors()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.Parse("controlPlane: {address: \"127.0.0.1:8086\"}", "cp.yaml"));

        Assert.Contains(ex.Errors, e => e.Path == "identity" && e.Reason.Contains("verify the control plane", StringComparison.Ordinal));
    }

    [Fact]
    public void ControlPlaneTls_NoIdentityConfigured_ExpectsLinnetControlPlaneInTheProxysTrustDomain()
    {
        Assert.Equal("spiffe://mesh.example/ns/linnet/sa/control-plane", Linnet.Proxy.ControlPlane.ControlPlaneTls.DefaultIdentity("spiffe://mesh.example/ns/shop/sa/web"));
    }

    [Fact]
    public void Parse_ControlPlaneIdentity_Kept()
    {
        var (bootstrap, _) = ConfigFileLoader.Parse("controlPlane: {address: \"127.0.0.1:8086\", identity: 'spiffe://mesh.example/ns/ops/sa/cp'}" + Identity, "cp.yaml");

        Assert.Equal("spiffe://mesh.example/ns/ops/sa/cp", bootstrap.ControlPlaneIdentity);
    }

    [Fact]
    public void Parse_NoControlPlane_LeavesAddressUnset()
    {
        var (bootstrap, _) = ConfigFileLoader.Parse("services: [{key: 'a:80', port: 80}]", "static.yaml");

        Assert.Null(bootstrap.ControlPlaneAddress);
    }

    [Theory]
    [InlineData("controlPlane: {address: nowhere}", "controlPlane.address", "not host:port")]
    [InlineData("controlPlane: {address: 'cp:99999'}", "controlPlane.address", "not host:port")]
    [InlineData("controlPlane: {port: 8086}", "controlPlane.address", "is required")]
    [InlineData("controlPlane: {address: 'cp:8086', tls: true}", "controlPlane.tls", "unknown field")]
    [InlineData("controlPlane: {address: 'cp:8086'}\nservices: [{key: 'a:80', port: 80}]", "services", "must be empty when controlPlane is set")]
    [InlineData("controlPlane: {address: 'cp:8086', identity: 'https://cp'}", "controlPlane.identity", "is not spiffe://")]
    public void Parse_InvalidControlPlane_NamesFieldAndReason(string yaml, string path, string reason)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.Parse(yaml, "cp.yaml"));

        Assert.Contains(ex.Errors, e => e.Path == path && e.Reason.Contains(reason, StringComparison.Ordinal));
    }
}
