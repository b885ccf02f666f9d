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
              - key: "backend:8080"
                names: [backend, backend.shop.svc.cluster.local]
                port: 8080
                localPort: 15001
                endpoints:
                  - address: 127.0.0.1
                    port: 9001
                    weight: 3
                  - {address: backend-2.local, port: 9002, weight: 1}
              - key: "db:5432"
                port: 5432
                protocol: PROTOCOL_OPAQUE
                endpoints: [{address: "::1", port: 5432, weight: 1}]
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
        // The most qualified name is the service's canonical one (its metrics' authority), as from the control plane.
        Assert.Equal(("backend.shop.svc.cluster.local", "backend:8080"), (services[0].Name, services[0].Key));
        Assert.Equal(["backend"], services[0].Aliases);
        Assert.Equal(("db", "db:5432"), (services[1].Name, services[1].Key));
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
              - key: "backend:80"
                port: 80
                endpoints:
                  - {address: 127.0.0.1, port: 9001, weight: 1, identity: "spiffe://cluster.local/ns/shop/sa/backend", meshed: true}
                  - {address: 127.0.0.1, port: 9002, weight: 1}
            """, "mesh.yaml");

        Assert.Equal("spiffe://cluster.local/ns/shop/sa/backend", services[0].Endpoints[0].Identity);
        Assert.Null(services[0].Endpoints[1].Identity);
    }

    [Theory]
    [InlineData("services: [{name: a, port: 80}]", "services[0].name")]
    [InlineData("services: [{key: 'a:80', aliases: [b], port: 80}]", "services[0].aliases")]
    public void Parse_ServiceInTheFormerShape_RefusedWithWhatToWrite(string yaml, string path)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.Parse(yaml, "old.yaml"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains("Destination API's Service messages", error.Reason, StringComparison.Ordinal);
        Assert.Contains("key (name:port), names, port", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EndpointAddressWithPort_RefusedAsTheFormerShape()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.Parse("services: [{key: 'a:80', port: 80, endpoints: [{address: '127.0.0.1:9001'}]}]", "old.yaml"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("services[0].endpoints[0].address", error.Path);
        Assert.Contains("write address (the host) and port apart", error.Reason, StringComparison.Ordinal);
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
    [InlineData("services: [{port: 80}]", "services[0].key", "it needs a key and a port 1..65535")]
    [InlineData("services: [{key: 'a:80'}]", "services[0].port", "it needs a key and a port 1..65535")]
    [InlineData("services: [{key: 'a:80', port: 80, protocol: http3}]", "services[0].protocol", "'http3' is not one of: PROTOCOL_DETECT, PROTOCOL_OPAQUE")]
    [InlineData("services: [{key: 'a:80', port: eighty}]", "services[0].port", "'eighty' is not a whole number")]
    [InlineData("services: [{key: 'a:80', port: 80, bogus: 1}]", "services[0].bogus", "is not a field of Service (fields: key, names, port,")]
    [InlineData("services: [{key: 'a:80', names: ['bad name'], port: 80}]", "services[0].names[0]", "is not a host name")]
    [InlineData("services: [{key: 'a:80', port: 80, endpoints: [{address: nowhere!, port: 1, weight: 1}]}]", "services[0].endpoints[0]", "is not an address")]
    [InlineData("services: [{key: 'a:80', port: 80, endpoints: [{address: h, port: 1, weight: -1}, {address: h, port: 2, weight: 1}]}]", "services[0].endpoints[0].weight", "-1 is negative")]
    [InlineData("services: [{key: 'a:80', port: 80, endpoints: [{address: h, port: 1, weight: 0}]}]", "services[0].endpoints", "every weight is 0")]
    [InlineData("services: [{key: 'a:80', port: 80, endpoints: [{address: h, port: 1, weight: 1, identity: 'spiffe://td/ns/a', meshed: true}]}]", "services[0].endpoints[0].identity", "is not spiffe://")]
    [InlineData("services: [{key: 'a:80', port: 80, localPort: 70000}]", "services[0].localPort", "70000 is out of range 1..65535")]
    [InlineData("services: [{key: 'a:80', port: 80}, {key: 'a:80', port: 80}]", "services[1].key", "already defined by services[0].key")]
    [InlineData("services: [{key: 'a:80', port: 80}, {key: 'b:80', names: [a], port: 80}]", "services[1].names", "'a:80' is already defined by services[0].names")]
    [InlineData("services: [{key: 'a:80', port: 80, localPort: 9}, {key: 'b:80', port: 80, localPort: 9}]", "services[1].localPort", "already defined by services[0].localPort")]
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

    [Theory]
    [InlineData("all-unauthenticated", nameof(DefaultInboundPolicy.AllUnauthenticated))]
    [InlineData("all-authenticated", nameof(DefaultInboundPolicy.AllAuthenticated))]
    [InlineData("deny", nameof(DefaultInboundPolicy.Deny))]
    [InlineData("audit", nameof(DefaultInboundPolicy.Audit))]
    public void Parse_InboundDefaultPolicy_LinkerdsNamesRead(string name, string expected)
    {
        var (bootstrap, _) = ConfigFileLoader.Parse($"inbound: {{defaultPolicy: {name}}}", "p.yaml");

        Assert.Equal(Enum.Parse<DefaultInboundPolicy>(expected), bootstrap.DefaultInboundPolicy);
    }

    [Fact]
    public void Parse_NoInboundDefaultPolicy_LinkerdsDefaultAllUnauthenticated()
    {
        var (bootstrap, _) = ConfigFileLoader.Parse("inbound: {appPort: 9000}", "p.yaml");

        Assert.Equal(DefaultInboundPolicy.AllUnauthenticated, bootstrap.DefaultInboundPolicy);
    }

    [Theory]
    [InlineData("allow-all", "'allow-all' is not one of: all-unauthenticated, all-authenticated, deny, audit")]
    [InlineData("Deny", "'Deny' is not one of: all-unauthenticated, all-authenticated, deny, audit")]
    [InlineData("cluster-authenticated", "'cluster-authenticated' is not supported: Linnet has no cluster networks")]
    [InlineData("cluster-unauthenticated", "'cluster-unauthenticated' is not supported: Linnet has no cluster networks")]
    public void Parse_InvalidInboundDefaultPolicy_RefusedNamingTheField(string value, string reason)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigFileLoader.Parse($"inbound: {{defaultPolicy: {value}}}", "p.yaml"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("inbound.defaultPolicy", error.Path);
        Assert.StartsWith(reason, error.Reason, StringComparison.Ordinal);
        Assert.Contains("inbound.defaultPolicy", ex.Message, StringComparison.Ordinal);
    }
}

