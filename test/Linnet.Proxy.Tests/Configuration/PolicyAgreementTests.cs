using System.Text.Json;
using Google.Protobuf;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Translation;
using Linnet.ControlPlane.Destination;
using Linnet.Proxy.Configuration;
using Proto = Linnet.Api.Destination.V1;

namespace Linnet.Proxy.Tests.Configuration;

/// <summary>One policy model (issue 11): the config file is the YAML form of the Destination API's messages and goes
/// through the one conversion the control plane's stream takes, so the two cannot disagree. Each disagreement the
/// two former readers had (gRPC codes by name or number vs 1..16 vs 0..16; <c>1m30s</c> vs single-unit durations;
/// <c>0s</c> meaning none vs an error; the defaults of an abort's HTTP status and of a retry's limit) is a row here:
/// the same message, once over the wire as the control plane sends it and once written in the file, gives the same
/// service; and a manifest's value, through the control plane's parser and translator, gives the same rule as the
/// file's.</summary>
public sealed class PolicyAgreementTests
{
    public static TheoryData<string, string, Proto.RouteRule> SameMessage => new()
    {
        // Durations are milliseconds in both (the control plane turns 1m30s into 90000); 0 is "none" in both.
        { "timeout 1m30s", "timeouts: { requestMs: 90000, backendRequestMs: 1500 }", new Proto.RouteRule { Timeouts = new Proto.RouteTimeouts { RequestMs = 90_000, BackendRequestMs = 1500 } } },
        { "timeout 0s", "timeouts: { requestMs: 0 }", new Proto.RouteRule { Timeouts = new Proto.RouteTimeouts { RequestMs = 0 } } },
        { "delay 2m", "fault: { delay: { delayMs: 120000, percent: 10 } }", new Proto.RouteRule { Fault = new Proto.RouteFault { Delay = new Proto.RouteFaultDelay { DelayMs = 120_000, Percent = 10 } } } },
        // gRPC codes are numbers 1..16 in both; an abort without httpStatus answers HTTP requests 500 in both.
        { "abort grpc only", "fault: { abort: { grpcStatus: 14 } }", new Proto.RouteRule { Fault = new Proto.RouteFault { Abort = new Proto.RouteFaultAbort { GrpcStatus = 14 } } } },
        { "abort http", "fault: { abort: { httpStatus: 503, percent: 5 } }", new Proto.RouteRule { Fault = new Proto.RouteFault { Abort = new Proto.RouteFaultAbort { HttpStatus = 503, Percent = 5 } } } },
        { "retry codes", "retry: { limit: 2, grpcCodes: [4, 16] }", new Proto.RouteRule { Retry = new Proto.RouteRetry { Limit = 2, GrpcCodes = { 4, 16 } } } },
        // A retry naming no limit and no condition: Linkerd's defaults in both.
        { "retry defaults", "retry: {}", new Proto.RouteRule { Retry = new Proto.RouteRetry() } },
        { "retry limit 0", "retry: { limit: 0, on: [CONDITION_GATEWAY_ERROR] }", new Proto.RouteRule { Retry = new Proto.RouteRetry { Limit = 0, On = { Proto.RouteRetry.Types.Condition.GatewayError } } } },
        { "mirror default percent", "mirror: { serviceKey: 'web:80' }", new Proto.RouteRule { Mirror = new Proto.RouteMirror { ServiceKey = "web:80" } } },
        { "backend default weight", "backends: [ { serviceKey: 'web:80' } ]", new Proto.RouteRule { Backends = { new Proto.RouteBackend { ServiceKey = "web:80" } } } },
    };

    [Theory]
    [MemberData(nameof(SameMessage))]
    public void SameMessage_FileAndStream_SameService(string name, string fileRule, Proto.RouteRule rule)
    {
        var message = new Proto.Service { Key = "web:80", Port = 80, Names = { "web" } };
        message.Endpoints.Add(new Proto.Endpoint { Address = "127.0.0.1", Port = 9001 });
        message.Routes.Add(new Proto.Route { Name = "r", Rules = { rule } });
        var overTheWire = Proto.Service.Parser.ParseFrom(message.ToByteArray());
        var problems = new List<string>();

        var fromStream = DestinationMapper.ToServiceConfig(overTheWire, problems);
        var fromFile = ConfigFileLoader.Parse($$"""
            services:
              - key: "web:80"
                port: 80
                names: [web]
                endpoints: [ { address: 127.0.0.1, port: 9001 } ]
                routes: [ { name: r, rules: [ { {{fileRule}} } ] } ]
            """, "proxy.yaml").Services.Single();

        Assert.True(problems.Count == 0, $"{name}: {string.Join("; ", problems)}");
        Assert.Equal(Json(fromStream!), Json(fromFile));
    }

    [Theory]
    [InlineData("timeouts: { request: '1m30s', backendRequest: '1500ms' }", "timeouts: { requestMs: 90000, backendRequestMs: 1500 }")]
    [InlineData("timeouts: { request: '500ms' }", "timeouts: { requestMs: 500 }")]
    [InlineData("timeouts: { request: '0s' }", "timeouts: { requestMs: 0 }")]
    [InlineData("filters: [ { type: LinnetFaultInjection, faultInjection: { delay: { fixedDelay: '2m' } } } ]", "fault: { delay: { delayMs: 120000 } }")]
    [InlineData("filters: [ { type: LinnetFaultInjection, faultInjection: { abort: { grpcStatus: unavailable } } } ]", "fault: { abort: { grpcStatus: 14 } }")]
    [InlineData("filters: [ { type: LinnetFaultInjection, faultInjection: { abort: { grpcStatus: DEADLINE_EXCEEDED } } } ]", "fault: { abort: { grpcStatus: 4 } }")]
    [InlineData("filters: [ { type: LinnetRetry, retry: { grpcCodes: [ resource-exhausted, '14' ] } } ]", "retry: { grpcCodes: [ 8, 14 ] }")]
    [InlineData("filters: [ { type: LinnetRetry, retry: { retryNonIdempotent: false } } ]", "retry: {}")]
    public void SameValue_ManifestAndProxyConfig_SameRule(string manifestRule, string fileRule)
    {
        foreach (var kind in new[] { "HTTPRoute", "GRPCRoute" })
        {
            var viaControlPlane = ViaControlPlane(kind, manifestRule, out var manifestErrors) ?? throw new InvalidOperationException(manifestErrors);
            var fromFile = FromConfigFile(kind, fileRule, out var fileErrors) ?? throw new InvalidOperationException(fileErrors);

            Assert.Equal(Policy(viaControlPlane), Policy(fromFile));
        }
    }

    [Theory]
    [InlineData("HTTPRoute")]
    [InlineData("GRPCRoute")]
    public void RetryWithoutConditionsOrLimit_ManifestAndProxyConfig_LinkerdDefaults(string kind)
    {
        var viaControlPlane = ViaControlPlane(kind, "filters: [ { type: LinnetRetry, retry: { retryNonIdempotent: false } } ]", out var manifestErrors) ?? throw new InvalidOperationException(manifestErrors);
        var fromFile = FromConfigFile(kind, "retry: {}", out var fileErrors) ?? throw new InvalidOperationException(fileErrors);

        // Linkerd's defaults: one retry, of 5xx on HTTP routes, of cancelled, deadline-exceeded,
        // resource-exhausted, internal and unavailable on gRPC routes; bodies up to 64 KiB.
        foreach (var retry in new[] { viaControlPlane.Retry!, fromFile.Retry! })
        {
            Assert.Equal(1, retry.Limit);
            Assert.Equal(kind == "HTTPRoute" ? RetryConditions.ServerError : RetryConditions.None, retry.On);
            Assert.Equal(kind == "HTTPRoute" ? [] : [1, 4, 8, 13, 14], retry.GrpcCodes);
            Assert.Equal(65536, retry.MaxBodyBytes);
        }
    }

    [Fact]
    public void AbortWithOnlyAGrpcStatus_ManifestAndProxyConfig_Http500()
    {
        var viaControlPlane = ViaControlPlane("GRPCRoute", "filters: [ { type: LinnetFaultInjection, faultInjection: { abort: { grpcStatus: unavailable } } } ]", out var manifestErrors) ?? throw new InvalidOperationException(manifestErrors);
        var fromFile = FromConfigFile("GRPCRoute", "fault: { abort: { grpcStatus: 14 } }", out var fileErrors) ?? throw new InvalidOperationException(fileErrors);

        Assert.Equal(new FaultAbortConfig(500, 14, 100), viaControlPlane.Fault!.Abort);
        Assert.Equal(new FaultAbortConfig(500, 14, 100), fromFile.Fault!.Abort);
    }

    // gRPC's status codes (grpc/doc/statuscodes.md): 0 is OK, 1..16 are failures, nothing above 16.
    [Theory]
    [InlineData("0")]
    [InlineData("17")]
    public void NotAFailureCode_ManifestAndProxyConfig_BothRefuse(string code)
    {
        Assert.Null(ViaControlPlane("GRPCRoute", $"filters: [ {{ type: LinnetRetry, retry: {{ grpcCodes: [ '{code}' ] }} }} ]", out var manifestErrors));
        Assert.Null(FromConfigFile("GRPCRoute", $"retry: {{ grpcCodes: [ {code} ] }}", out var fileErrors));
        Assert.Contains("grpcCodes", manifestErrors, StringComparison.Ordinal);
        Assert.Contains($"{code} is not a gRPC failure code 1..16", fileErrors, StringComparison.Ordinal);
    }

    private static string Json(object value) => JsonSerializer.Serialize(value);

    // The rule's policy (the manifest's rule also carries the Gateway API's default match, which the file's has not).
    private static string Policy(RouteRuleConfig rule) => Json(new { rule.Timeouts, rule.Fault, rule.Retry, rule.Mirror, rule.Backends });

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
              - key: "web.shop:80"
                port: 80
                routes: [ { kind: {{(kind == "GRPCRoute" ? "KIND_GRPC" : "KIND_HTTP")}}, rules: [ { backends: [ { serviceKey: 'web.shop:80', weight: 1 } ], {{rule}} } ] } ]
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
}
