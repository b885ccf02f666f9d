using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Tests.ControlPlane;

/// <summary>The <c>controlPlane</c> section of the proxy's config file.</summary>
public sealed class ControlPlaneBootstrapTests
{
    [Fact]
    public void Parse_ControlPlaneAddress_SetsItAndLeavesServicesEmpty()
    {
        var (bootstrap, services) = ConfigFileLoader.Parse("controlPlane: {address: \"127.0.0.1:8086\"}", "cp.yaml");

        Assert.Equal("127.0.0.1:8086", bootstrap.ControlPlaneAddress);
        Assert.Empty(services);
    }

    [Fact]
    public void Parse_NoControlPlane_LeavesAddressUnset()
    {
        var (bootstrap, _) = ConfigFileLoader.Parse("services: [{name: a, port: 80}]", "static.yaml");

        Assert.Null(bootstrap.ControlPlaneAddress);
    }

    [Theory]
    [InlineData("controlPlane: {address: nowhere}", "controlPlane.address", "not host:port")]
    [InlineData("controlPlane: {address: 'cp:99999'}", "controlPlane.address", "not host:port")]
    [InlineData("controlPlane: {port: 8086}", "controlPlane.address", "is required")]
    [InlineData("controlPlane: {address: 'cp:8086', tls: true}", "controlPlane.tls", "unknown field")]
    [InlineData("controlPlane: {address: 'cp:8086'}\nservices: [{name: a, port: 80}]", "services", "must be empty when controlPlane is set")]
    public void Parse_InvalidControlPlane_NamesFieldAndReason(string yaml, string path, string reason)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.Parse(yaml, "cp.yaml"));

        Assert.Contains(ex.Errors, e => e.Path == path && e.Reason.Contains(reason, StringComparison.Ordinal));
    }
}
