using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Tests.Manifests;

/// <summary>Linkerd's <c>retry.linkerd.io/*</c> and <c>timeout.linkerd.io/*</c> route annotations (Linkerd 2.16
/// "Retries" and "Timeouts" reference, policy-controller outbound index), and the warnings for annotations in
/// Linnet's domains that have no effect where they are written.</summary>
public sealed class AnnotationManifestTests
{
    [Fact]
    public void Read_LinkerdHttpRetryAnnotations_LinkerdsMeaning()
    {
        var (retry, timeouts) = LinkerdRouteAnnotations.Read(
            new Dictionary<string, string>
            {
                ["retry.linkerd.io/http"] = "5xx,gateway-error, 429 ,500-502",
                ["retry.linkerd.io/limit"] = "3",
                ["retry.linkerd.io/timeout"] = "300ms",
                ["timeout.linkerd.io/request"] = "2s",
                ["timeout.linkerd.io/response"] = "1s",
            },
            grpc: false,
            (name, reason) => Assert.Fail($"{name}: {reason}"));

        Assert.NotNull(retry);
        Assert.Equal(3, retry.Limit);
        Assert.Equal(["5xx", "gateway-error"], retry.On);
        Assert.Equal([429, 500, 501, 502], retry.StatusCodes);

        // The attempt ends at the sooner of the retry timeout and the response timeout.
        Assert.Equal(new RouteTimeouts(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(300)), timeouts);
    }

    [Fact]
    public void Read_IdleTimeout_KeptBesideTheOthersAndMergedFieldByField()
    {
        var (retry, idleOnly) = LinkerdRouteAnnotations.Read(new Dictionary<string, string> { ["timeout.linkerd.io/idle"] = "1m30s" }, grpc: false, (n, r) => Assert.Fail(r));
        var (_, zero) = LinkerdRouteAnnotations.Read(new Dictionary<string, string> { ["timeout.linkerd.io/idle"] = "0s" }, grpc: false, (n, r) => Assert.Fail(r));

        // An idle timeout is not a retry annotation; 0 means none, as for the other timeouts.
        Assert.Null(retry);
        Assert.Equal(new RouteTimeouts(null, null, TimeSpan.FromSeconds(90)), idleOnly);
        Assert.Null(zero);

        // A Service's idle timeout stays under a route that sets only a request timeout (route timeouts win field by field).
        var merged = LinkerdRouteAnnotations.Merge(new RouteTimeouts(TimeSpan.FromSeconds(5), null), idleOnly);
        Assert.Equal(new RouteTimeouts(TimeSpan.FromSeconds(5), null, TimeSpan.FromSeconds(90)), merged);
    }

    [Fact]
    public void Read_OnlyLimitOrGrpc_DefaultsAsLinkerd()
    {
        var (limitOnly, _) = LinkerdRouteAnnotations.Read(new Dictionary<string, string> { ["retry.linkerd.io/timeout"] = "1s" }, grpc: false, (n, r) => Assert.Fail(r));
        var (grpc, _) = LinkerdRouteAnnotations.Read(new Dictionary<string, string> { ["retry.linkerd.io/grpc"] = "internal,Unavailable" }, grpc: true, (n, r) => Assert.Fail(r));
        var (zero, none) = LinkerdRouteAnnotations.Read(new Dictionary<string, string> { ["retry.linkerd.io/limit"] = "0", ["timeout.linkerd.io/request"] = "0s" }, grpc: false, (n, r) => Assert.Fail(r));

        // Limit 1 when unset; no conditions: the translator's defaults (5xx).
        Assert.Equal((1, 0, 0), (limitOnly!.Limit, limitOnly.On.Count, limitOnly.StatusCodes.Count));
        Assert.Equal([13, 14], grpc!.GrpcCodes);
        Assert.Null(zero);
        Assert.Null(none);
    }

    public static TheoryData<string, string, string> InvalidAnnotations => new()
    {
        { Route("HTTPRoute", "retry.linkerd.io/http: 5xx,4xx"), "metadata.annotations[retry.linkerd.io/http]", "'4xx' is not a retry condition: an HTTP status 100..599, a range such as 500-504, gateway-error or 5xx" },
        { Route("HTTPRoute", "retry.linkerd.io/http: 504-500"), "metadata.annotations[retry.linkerd.io/http]", "'504-500' is not a retry condition: an HTTP status 100..599, a range such as 500-504, gateway-error or 5xx" },
        { Route("HTTPRoute", "retry.linkerd.io/limit: many"), "metadata.annotations[retry.linkerd.io/limit]", "'many' is not a whole number 0..65535" },
        { Route("HTTPRoute", "retry.linkerd.io/timeout: \"5\""), "metadata.annotations[retry.linkerd.io/timeout]", "'5' is not a duration with a unit, such as 300ms, 5s or 1m" },
        { Route("HTTPRoute", "timeout.linkerd.io/idle: \"60\""), "metadata.annotations[timeout.linkerd.io/idle]", "'60' is not a duration with a unit, such as 300ms, 5s or 1m" },
        { Route("GRPCRoute", "retry.linkerd.io/grpc: ok"), "metadata.annotations[retry.linkerd.io/grpc]", "'ok' is not one of: cancelled, deadline-exceeded, internal, resource-exhausted, unavailable" },
        { Service("retry.linkerd.io/grpc: ok"), "metadata.annotations[retry.linkerd.io/grpc]", "'ok' is not one of: cancelled, deadline-exceeded, internal, resource-exhausted, unavailable" },
        { Service("retry.linkerd.io/http: 4xx"), "metadata.annotations[retry.linkerd.io/http]", "'4xx' is not a retry condition: an HTTP status 100..599, a range such as 500-504, gateway-error or 5xx" },
        { Service("timeout.linkerd.io/response: soon"), "metadata.annotations[timeout.linkerd.io/response]", "'soon' is not a duration with a unit, such as 300ms, 5s or 1m" },
        { Service("timeout.linkerd.io/idle: forever"), "metadata.annotations[timeout.linkerd.io/idle]", "'forever' is not a duration with a unit, such as 300ms, 5s or 1m" },
    };

    [Fact]
    public void Parse_LinkerdAnnotationsOnAService_AcceptedWithoutWarning()
    {
        var result = ManifestParser.Parse(Service("retry.linkerd.io/http: 5xx\n    retry.linkerd.io/grpc: unavailable\n    retry.linkerd.io/limit: \"2\"\n    retry.linkerd.io/timeout: 1s\n    timeout.linkerd.io/request: 3s\n    timeout.linkerd.io/response: 1s"), "svc.yaml");

        Assert.Empty(result.Errors);
        Assert.Single(result.Resources);
        Assert.Empty(result.Warnings);
    }

    [Theory]
    [MemberData(nameof(InvalidAnnotations))]
    public void Parse_InvalidLinkerdAnnotation_RejectedWithPathAndReason(string yaml, string path, string reason)
    {
        var result = ManifestParser.Parse(yaml, "bad.yaml");

        Assert.Empty(result.Resources);
        var error = Assert.Single(result.Errors);
        Assert.Equal((path, reason), (error.Path, error.Reason));
    }

    [Fact]
    public void Parse_AnnotationsInLinnetsDomains_WarnsForEveryOneWithoutEffectOnly()
    {
        var yaml = Route("HTTPRoute", "retry.linkerd.io/limit: \"2\"\n    retry.linkerd.io/grpc: unavailable\n    config.linkerd.io/proxy-cpu-limit: \"1\"\n    linkerd.io/inject: enabled\n    example.com/owner: team-a\n    notlinkerd.io/x: y")
            + "---\n" + "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    balancer.linkerd.io/failure-accrual: disabled\n    flagger.app/config-tracking: disabled\nspec: { ports: [ { port: 80 } ] }\n";

        var result = ManifestParser.Parse(yaml, "in.yaml");

        Assert.Empty(result.Errors);
        Assert.Equal(2, result.Resources.Count);
        Assert.Equal(
            [
                "1 HTTPRoute/web metadata.annotations[config.linkerd.io/proxy-cpu-limit]: is not an annotation Linnet understands, so it has no effect",
                "1 HTTPRoute/web metadata.annotations[linkerd.io/inject]: is not an annotation Linnet understands, so it has no effect",
                "1 HTTPRoute/web metadata.annotations[retry.linkerd.io/grpc]: has no effect on a HTTPRoute: Linnet understands it on GRPCRoute and Service only",
                "2 Service/web metadata.annotations[flagger.app/config-tracking]: is not an annotation Linnet understands, so it has no effect",
            ],
            result.Warnings.Select(w => $"{w.Document} {w.Resource} {w.Path}: {w.Reason}"));
    }

    [Fact]
    public void Warning_UnknownInADomainWithKnownOnes_NamesTheKnownOnes()
    {
        Assert.Equal(
            "is not an annotation Linnet understands, so it has no effect (understood on a HTTPRoute in retry.linkerd.io: retry.linkerd.io/http, retry.linkerd.io/limit, retry.linkerd.io/timeout)",
            KnownAnnotations.Warning("HTTPRoute", "retry.linkerd.io/budget"));
        Assert.Null(KnownAnnotations.Warning("Service", "example.org/linkerd.io"));
        Assert.True(KnownAnnotations.InKnownDomain("Config.Linkerd.IO/x"));
        Assert.False(KnownAnnotations.InKnownDomain("xlinkerd.io/x"));
    }

    private static string Service(string annotations) =>
        $"apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    {annotations}\nspec: {{ ports: [ {{ port: 80 }} ] }}\n";

    private static string Route(string kind, string annotations)
    {
        var rule = kind == "GRPCRoute" ? "- backendRefs: [ { name: web } ]" : "- backendRefs: [ { name: web } ]";
        return $"apiVersion: gateway.networking.k8s.io/v1\nkind: {kind}\nmetadata:\n  name: web\n  annotations:\n    {annotations}\nspec:\n  parentRefs: [ {{ name: web }} ]\n  rules:\n    {rule}\n";
    }
}
