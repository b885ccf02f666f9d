using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Translation;
using Linnet.ControlPlane.Destination;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.ControlPlane;

namespace Linnet.Proxy.Tests.Configuration;

/// <summary>The same traffic policy written twice, as a manifest (through the control plane's parser, translator
/// and the Destination API to the proxy's records) and in the proxy's config file: both accept the same values,
/// refuse the same values, and give the proxy the same rule, defaults included. Durations are GEP-2257's (0s on a
/// timeout meaning none), gRPC codes go by name or number 1..16.</summary>
public sealed class PolicyAgreementTests
{
    public static TheoryData<string, string, bool> Values => new()
    {
        { "timeout", "1m30s", true },
        { "timeout", "500ms", true },
        { "timeout", "0s", true },
        { "timeout", "1.5s", false },
        { "timeout", "10", false },
        { "timeout", "-1s", false },
        { "timeout", "100000ms", false },
        { "delay", "0s", true },
        { "delay", "2m", true },
        { "delay", "1.5s", false },
        { "abort", "unavailable", true },
        { "abort", "DEADLINE_EXCEEDED", true },
        { "abort", "14", true },
        { "abort", "0", false },
        { "abort", "ok", false },
        { "abort", "17", false },
        { "retryCode", "resource-exhausted", true },
        { "retryCode", "4", true },
        { "retryCode", "0", false },
        { "retryCode", "OK", false },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void SameValue_ManifestAndProxyConfig_SameAnswerAndSameRule(string field, string value, bool valid)
    {
        var (manifestRule, proxyRule) = field switch
        {
            "timeout" => ($"timeouts: {{ request: '{value}' }}", $"timeouts: {{ request: '{value}' }}"),
            "delay" => (Filter("LinnetFaultInjection", "faultInjection", $"{{ delay: {{ fixedDelay: '{value}' }} }}"), $"fault: {{ delay: {{ fixedDelay: '{value}' }} }}"),
            "abort" => (Filter("LinnetFaultInjection", "faultInjection", $"{{ abort: {{ grpcStatus: '{value}' }} }}"), $"fault: {{ abort: {{ grpcStatus: '{value}' }} }}"),
            _ => (Filter("LinnetRetry", "retry", $"{{ grpcCodes: [ '{value}' ] }}"), $"retry: {{ grpcCodes: [ '{value}' ] }}"),
        };

        var viaControlPlane = ViaControlPlane("HTTPRoute", manifestRule, out var manifestErrors);
        var fromFile = FromConfigFile(RouteConfig.HttpKind, proxyRule, out var fileErrors);

        Assert.True(valid == viaControlPlane is not null, $"manifest: {manifestErrors}");
        Assert.True(valid == fromFile is not null, $"config file: {fileErrors}");
        if (valid)
        {
            AssertSameRule(viaControlPlane!, fromFile!);
        }
    }

    [Theory]
    [InlineData("HTTPRoute")]
    [InlineData("GRPCRoute")]
    public void RetryWithoutConditionsOrLimit_ManifestAndProxyConfig_SameDefaults(string kind)
    {
        var viaControlPlane = ViaControlPlane(kind, Filter("LinnetRetry", "retry", "{ retryNonIdempotent: false }"), out var manifestErrors) ?? throw new InvalidOperationException(manifestErrors);
        var fromFile = FromConfigFile(kind, "retry: { retryNonIdempotent: false }", out var fileErrors) ?? throw new InvalidOperationException(fileErrors);

        AssertSameRule(viaControlPlane, fromFile);

        // Linkerd's defaults: one retry, of 5xx on HTTP routes, of cancelled, deadline-exceeded,
        // resource-exhausted, internal and unavailable on gRPC routes.
        var retry = fromFile.Retry!;
        Assert.Equal(1, retry.Limit);
        Assert.Equal(kind == "HTTPRoute" ? RetryConditions.ServerError : RetryConditions.None, retry.On);
        Assert.Equal(kind == "HTTPRoute" ? [] : [1, 4, 8, 13, 14], retry.GrpcCodes);
    }

    [Fact]
    public void AbortWithOnlyAGrpcStatus_ManifestAndProxyConfig_SameHttpStatus()
    {
        var viaControlPlane = ViaControlPlane("GRPCRoute", Filter("LinnetFaultInjection", "faultInjection", "{ abort: { grpcStatus: unavailable } }"), out var manifestErrors) ?? throw new InvalidOperationException(manifestErrors);
        var fromFile = FromConfigFile("GRPCRoute", "fault: { abort: { grpcStatus: unavailable } }", out var fileErrors) ?? throw new InvalidOperationException(fileErrors);

        AssertSameRule(viaControlPlane, fromFile);
        Assert.Equal(new FaultAbortConfig(500, 14, 100), fromFile.Fault!.Abort);
    }

    private static string Filter(string type, string key, string body) => $"filters: [ {{ type: {type}, {key}: {body} }} ]";

    private static RouteRuleConfig? ViaControlPlane(string kind, string rule, out string errors)
    {
        var yaml = $$"""
            apiVersion: v1
            kind: Service
            metadata: { name: web, namespace: shop }
            spec: { selector: { app: web }, ports: [ { port: 80 } ] }
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: {{kind}}
            metadata: { name: web, namespace: shop }
            spec:
              parentRefs: [ { name: web } ]
              rules:
                - backendRefs: [ { name: web, port: 80 } ]
                  {{rule}}
            """;
        var parsed = ManifestParser.Parse(yaml, "m.yaml");
        errors = string.Join("; ", parsed.Errors.Select(e => $"{e.Path}: {e.Reason}"));
        if (parsed.Errors.Count > 0)
        {
            return null;
        }

        var view = MeshTranslator.Translate(new StoreSnapshot(1, parsed.Resources.ToDictionary(r => r.Key)));
        var problems = new List<string>();
        var service = DestinationMapper.ToServiceConfig(ProtoMapper.ToProto(view.Services.Single(s => s.Key == "web.shop:80"), "shop"), problems)!;
        Assert.Empty(problems);
        return service.Routes.Single().Rules.Single();
    }

    private static RouteRuleConfig? FromConfigFile(string kind, string rule, out string errors)
    {
        errors = "";
        var yaml = $$"""
            services:
              - name: web
                port: 80
                routes: [ { kind: {{(kind == "GRPCRoute" ? RouteConfig.GrpcKind : RouteConfig.HttpKind)}}, rules: [ { backends: [ { service: 'web:80' } ], {{rule}} } ] } ]
            """;
        try
        {
            return ConfigFileLoader.Parse(yaml, "proxy.yaml").Services.Single().Routes.Single().Rules.Single();
        }
        catch (ConfigException ex)
        {
            errors = ex.Message;
            return null;
        }
    }

    private static void AssertSameRule(RouteRuleConfig expected, RouteRuleConfig actual)
    {
        Assert.Equal(expected.Timeouts, actual.Timeouts);
        Assert.Equal(expected.Fault, actual.Fault);
        Assert.Equal(expected.Retry is null, actual.Retry is null);
        if (expected.Retry is { } e && actual.Retry is { } a)
        {
            Assert.Equal((e.Limit, e.On, e.RetryNonIdempotent, e.MaxBodyBytes), (a.Limit, a.On, a.RetryNonIdempotent, a.MaxBodyBytes));
            Assert.Equal(e.StatusCodes, a.StatusCodes);
            Assert.Equal(e.GrpcCodes, a.GrpcCodes);
        }
    }
}
