using Linnet.Api.Yaml;
using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Tests.Configuration;

public sealed class ConfigFileLoaderTests
{
    [Fact]
    public void Parse_FullConfig_ReadsEveryField()
    {
        var (bootstrap, services) = ConfigFileLoader.Parse("""
            workload: {namespace: shop, name: web, pod: web-1}
            inbound: {listen: "0.0.0.0:5143", appPort: 9000, appHost: 127.0.0.2, opaquePorts: [5432, 6379]}
            outbound: {listen: "127.0.0.1:5140", opaquePorts: [3306]}
            admin: {listen: "127.0.0.1:5191"}
            detectTimeout: 3s
            drainTimeout: 500ms
            connectTimeout: 2s
            transparent: false
            services:
              - name: backend
                aliases: [backend.shop.svc.cluster.local]
                port: 8080
                localPort: 15001
                endpoints:
                  - address: 127.0.0.1:9001
                    weight: 3
                  - {address: "backend-2.local:9002"}
              - name: db
                port: 5432
                protocol: opaque
                endpoints: [{address: "[::1]:5432"}]
            """, "test.yaml");

        Assert.Equal(new WorkloadInfo("shop", "web", "web-1"), bootstrap.Workload);
        Assert.Equal("0.0.0.0:5143", bootstrap.InboundListen.ToString());
        Assert.Equal(9000, bootstrap.AppPort);
        Assert.Equal("127.0.0.2", bootstrap.AppHost);
        Assert.Equal([5432, 6379], bootstrap.InboundOpaquePorts.Order());
        Assert.Equal([3306], bootstrap.OutboundOpaquePorts);
        Assert.Equal(TimeSpan.FromSeconds(3), bootstrap.DetectTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(500), bootstrap.DrainTimeout);
        Assert.False(bootstrap.TransparentMode);
        Assert.Equal(2, services.Count);
        Assert.Equal(["backend.shop.svc.cluster.local"], services[0].Aliases);
        Assert.Equal(15001, services[0].LocalPort);
        Assert.Equal(new EndpointConfig("127.0.0.1", 9001, 3), services[0].Endpoints[0]);
        Assert.Equal(new EndpointConfig("backend-2.local", 9002, 1), services[0].Endpoints[1]);
        Assert.Equal(ServiceProtocol.Opaque, services[1].Protocol);
        Assert.Equal("[::1]:5432", services[1].Endpoints[0].Address);
    }

    [Fact]
    public void Parse_EndpointIdentity_MeshedEndpointOnlyWhereGiven()
    {
        var (_, services) = ConfigFileLoader.Parse("""
            services:
              - name: backend
                port: 80
                endpoints:
                  - {address: "127.0.0.1:9001", identity: "spiffe://cluster.local/ns/shop/sa/backend"}
                  - {address: "127.0.0.1:9002"}
            """, "mesh.yaml");

        Assert.Equal("spiffe://cluster.local/ns/shop/sa/backend", services[0].Endpoints[0].Identity);
        Assert.Null(services[0].Endpoints[1].Identity);
    }

    [Fact]
    public void Parse_EmptyDocument_GivesLinkerdDefaults()
    {
        var (bootstrap, services) = ConfigFileLoader.Parse("", "empty.yaml");
        Assert.Equal(4143, bootstrap.InboundListen.Port);
        Assert.Equal(4140, bootstrap.OutboundListen.Port);
        Assert.Equal(4191, bootstrap.AdminListen.Port);
        Assert.Equal(TimeSpan.FromSeconds(10), bootstrap.DetectTimeout);
        Assert.Empty(services);
    }

    [Theory]
    [InlineData("inbound: {appPort: 70000}", "inbound.appPort", "out of range")]
    [InlineData("inbound: {appPort: eighty}", "inbound.appPort", "not a whole number")]
    [InlineData("inbound: {listen: 4143}", "inbound.listen", "not an ip:port")]
    [InlineData("inbound: {opaquePorts: [0]}", "inbound.opaquePorts[0]", "port number")]
    [InlineData("inbound: {appPort: 9090, ports: [8080]}", "inbound.appPort", "is not one of inbound.ports")]
    [InlineData("inbound: {ports: [0]}", "inbound.ports[0]", "port number")]
    [InlineData("detectTimeout: soon", "detectTimeout", "not a positive duration")]
    [InlineData("bogus: 1", "bogus", "unknown field")]
    [InlineData("inbound: {apPort: 1}", "inbound.apPort", "unknown field")]
    [InlineData("services: [{port: 80}]", "services[0].name", "is required")]
    [InlineData("services: [{name: a, port: 80, protocol: http3}]", "services[0].protocol", "not one of")]
    [InlineData("services: [{name: 'bad name', port: 80}]", "services[0].name", "not a valid host name")]
    [InlineData("services: [{name: a, port: 80, endpoints: [{address: nowhere}]}]", "services[0].endpoints[0].address", "not host:port")]
    [InlineData("services: [{name: a, port: 80, endpoints: [{address: 'h:1', weight: -1}]}]", "services[0].endpoints[0].weight", "out of range")]
    [InlineData("services: [{name: a, port: 80, endpoints: [{address: 'h:1', identity: 'spiffe://td/ns/a'}]}]", "services[0].endpoints[0].identity", "is not spiffe://")]
    [InlineData("services: [{name: a, port: 80}, {name: a, port: 80}]", "services[1]", "already defined by services[0]")]
    [InlineData("services: [{name: a, port: 80, localPort: 9}, {name: b, port: 80, localPort: 9}]", "services[1].localPort", "already used")]
    [InlineData("services: {name: a}", "services", "must be a list")]
    public void Parse_InvalidField_NamesFieldAndReason(string yaml, string path, string reason)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.Parse(yaml, "bad.yaml"));
        var error = Assert.Single(ex.Errors, e => e.Path == path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralErrors_ReportsAllOfThem()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.Parse("inbound: {appPort: 0}\nadmin: {listen: x}\n", "bad.yaml"));
        Assert.Equal(["admin.listen", "inbound.appPort"], ex.Errors.Select(e => e.Path).Order());
    }

    [Fact]
    public void Parse_YamlSyntaxError_NamesLine()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.Parse("inbound:\n  appPort: [1\n", "bad.yaml"));
        Assert.Contains("line", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_MissingFile_SaysWhichFile()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.LoadFile("/nonexistent/linnet.yaml"));
        Assert.Contains("/nonexistent/linnet.yaml", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("10s", 10_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    public void DurationParser_Units_Parse(string text, int ms)
    {
        Assert.True(DurationParser.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), value);
    }

    [Theory]
    [InlineData("10")]
    [InlineData("s")]
    [InlineData("10d")]
    [InlineData("-1s")]
    public void DurationParser_Invalid_Fails(string text) => Assert.False(DurationParser.TryParse(text, out _));
}
