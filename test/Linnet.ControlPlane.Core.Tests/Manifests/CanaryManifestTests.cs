using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Tests.Manifests;

public sealed class CanaryManifestTests
{
    // Flagger's own podinfo example (docs/gitbook/tutorials/gatewayapi-progressive-delivery.md), less what
    // Linnet refuses (webhooks) and with targetRef to the Deployment as written there.
    private const string FlaggerCanary = """
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata:
          name: podinfo
          namespace: test
        spec:
          provider: gatewayapi:v1
          targetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: podinfo
          progressDeadlineSeconds: 60
          service:
            port: 9898
            targetPort: 9898
          analysis:
            interval: 1m
            threshold: 5
            maxWeight: 50
            stepWeight: 10
            metrics:
              - name: request-success-rate
                thresholdRange:
                  min: 99
                interval: 1m
              - name: request-duration
                threshold: 500
                interval: 30s
        """;

    private static ManifestParseResult Parse(string yaml) => ManifestParser.Parse(yaml, "test.yaml");

    private static string Errors(ManifestParseResult result) => string.Join("\n", result.Errors.Select(e => $"{e.Path}: {e.Reason}"));

    [Fact]
    public void Parse_FlaggerCanary_ReadsEveryFieldWithFlaggerDefaults()
    {
        var result = Parse(FlaggerCanary);

        Assert.True(result.Errors.Count == 0, Errors(result));
        var canary = Assert.IsType<CanaryResource>(Assert.Single(result.Resources));
        Assert.Equal("podinfo", canary.Spec.TargetName);
        Assert.Equal(9898, canary.Spec.Service.Port);
        Assert.Equal("http", canary.Spec.Service.PortName);
        Assert.Equal(60, canary.Spec.ProgressDeadlineSeconds);
        var analysis = canary.Spec.Analysis;
        Assert.Equal(TimeSpan.FromMinutes(1), analysis.Interval);
        Assert.Equal(5, analysis.Threshold);
        Assert.Equal(50, analysis.MaxWeight);
        Assert.Equal(10, analysis.StepWeight);
        Assert.Equal(100, analysis.PrimaryReadyThreshold);
        Assert.Equal(CanaryStrategies.Canary, analysis.Strategy);
        Assert.Equal(new CanaryMetric("request-success-rate", TimeSpan.FromMinutes(1), 99, null), analysis.Metrics[0]);

        // Flagger's deprecated `threshold` on request-duration is its largest value (ms).
        Assert.Equal(new CanaryMetric("request-duration", TimeSpan.FromSeconds(30), null, 500), analysis.Metrics[1]);
    }

    [Theory]
    [InlineData("iterations: 10", CanaryStrategies.BlueGreen)]
    [InlineData("iterations: 10\n    match:\n      - headers:\n          x-canary:\n            exact: insider", CanaryStrategies.ABTesting)]
    [InlineData("stepWeight: 5", CanaryStrategies.Canary)]
    public void Parse_StrategyFields_PicksStrategyAsFlaggerDoes(string fields, string strategy)
    {
        var result = Parse($"""
            apiVersion: linnet.io/v1alpha1
            kind: Canary
            metadata: {"{"} name: web {"}"}
            spec:
              targetRef: {"{"} kind: Workload, name: web {"}"}
              service: {"{"} port: 80 {"}"}
              analysis:
                {fields}
            """);

        Assert.True(result.Errors.Count == 0, Errors(result));
        Assert.Equal(strategy, ((CanaryResource)result.Resources[0]).Spec.Analysis.Strategy);
    }

    [Fact]
    public void Parse_StepWeights_MaxWeightIsTheLastStep()
    {
        var result = Parse(FlaggerCanary.Replace("maxWeight: 50\n    stepWeight: 10", "stepWeights: [1, 5, 25]", StringComparison.Ordinal));

        Assert.True(result.Errors.Count == 0, Errors(result));
        Assert.Equal(25, ((CanaryResource)result.Resources[0]).Spec.Analysis.MaxWeight);
    }

    [Fact]
    public void Parse_SessionAffinityAsFlaggerDocumentsIt_CookieSettingsRead()
    {
        // Flagger's docs (usage/deployment-strategies.md, "Canary Release with Session Affinity"), with the attributes
        // of its SessionAffinity type.
        var result = Parse(FlaggerCanary.Replace("    threshold: 5\n", "    threshold: 5\n    sessionAffinity:\n      cookieName: flagger-cookie\n      maxAge: 21600\n      primaryCookieName: primary-cookie\n      domain: example.com\n      secure: true\n      partitioned: true\n", StringComparison.Ordinal));

        Assert.True(result.Errors.Count == 0, Errors(result));
        var affinity = ((CanaryResource)result.Resources[0]).Spec.Analysis.SessionAffinity!;
        Assert.Equal(("flagger-cookie", "primary-cookie", 21600), (affinity.CookieName, affinity.PrimaryCookieName, affinity.MaxAge));
        Assert.Equal("flagger-cookie=LpsIaLdoNZ; Max-Age=21600; Domain=example.com; Partitioned; Secure", affinity.SetCookie("flagger-cookie=LpsIaLdoNZ", affinity.MaxAge));
    }

    [Fact]
    public void Parse_SessionAffinityWithoutMaxAge_FlaggersDefaultOfADay()
    {
        var result = Parse(FlaggerCanary.Replace("    threshold: 5\n", "    threshold: 5\n    sessionAffinity: { cookieName: flagger-cookie }\n", StringComparison.Ordinal));

        Assert.True(result.Errors.Count == 0, Errors(result));
        Assert.Equal(86400, ((CanaryResource)result.Resources[0]).Spec.Analysis.SessionAffinity!.MaxAge);
    }

    [Theory]
    [InlineData("    threshold: 5\n", "    webhooks:\n      - name: load-test\n        url: ftp://flagger-loadtester.test/\n", "spec.analysis.webhooks[0].url", "http or https")]
    [InlineData("    threshold: 5\n", "    alerts:\n      - name: on-call\n        severity: critical\n        providerRef: { name: on-call }\n", "spec.analysis.alerts[0].severity", "not one of info, warn, error")]
    [InlineData("    threshold: 5\n", "    mirror: true\n", "spec.analysis.mirror", "needs iterations")]
    [InlineData("    threshold: 5\n", "    sessionAffinity: { maxAge: 60 }\n", "spec.analysis.sessionAffinity.cookieName", "required")]
    [InlineData("    threshold: 5\n", "    sessionAffinity: { cookieName: 'flagger cookie' }\n", "spec.analysis.sessionAffinity.cookieName", "not a cookie name")]
    [InlineData("    threshold: 5\n", "    sessionAffinity: { cookieName: a, primaryCookieName: a }\n", "spec.analysis.sessionAffinity.primaryCookieName", "same as cookieName")]
    [InlineData("    threshold: 5\n", "    sessionAffinity: { cookieName: a, maxAge: -1 }\n", "spec.analysis.sessionAffinity.maxAge", "")]
    [InlineData("    threshold: 5\n", "    sessionAffinity: { cookieName: a, sameSite: strict }\n", "spec.analysis.sessionAffinity.sameSite", "Strict, Lax, None")]
    [InlineData("    threshold: 5\n", "    sessionAffinity: { cookieName: a, path: 'x;Secure' }\n", "spec.analysis.sessionAffinity.path", "cannot be a cookie attribute")]
    [InlineData("    threshold: 5\n", "    sessionAffinity: { cookieName: a, path: api }\n", "spec.analysis.sessionAffinity.path", "start with '/'")]
    [InlineData("    threshold: 5\n", "    sessionAffinity: { cookieName: a, expires: never }\n", "spec.analysis.sessionAffinity.expires", "")]
    [InlineData("    maxWeight: 50\n    stepWeight: 10\n", "    iterations: 5\n    sessionAffinity: { cookieName: a }\n", "spec.analysis.sessionAffinity", "canary strategy")]
    [InlineData("    threshold: 5\n", "    threshold: 5\n    alpha: 0.01\n", "spec.analysis.alpha", "only with judge: sequential")]
    [InlineData("    maxWeight: 50\n    stepWeight: 10\n", "    iterations: 5\n    judge: sequential\n", "spec.analysis.judge", "canary strategy")]
    [InlineData("    maxWeight: 50\n    stepWeight: 10\n", "    stepWeights: [20, 10]\n", "spec.analysis.stepWeights[1]", "larger")]
    [InlineData("    interval: 1m\n    threshold: 5\n", "    interval: soon\n", "spec.analysis.interval", "duration")]
    [InlineData("    maxWeight: 50\n    stepWeight: 10\n", "    maxWeight: 50\n", "spec.analysis.stepWeight", "required")]
    [InlineData("    maxWeight: 50\n    stepWeight: 10\n", "    stepWeight: 10\n    iterations: 5\n", "spec.analysis.iterations", "different strategies")]
    [InlineData("    maxWeight: 50\n    stepWeight: 10\n", "    stepWeight: 10\n    match:\n      - headers:\n          x-canary:\n            exact: insider\n", "spec.analysis.match", "needs iterations")]
    [InlineData("    maxWeight: 50\n    stepWeight: 10\n", "    iterations: 5\n    match:\n      - headers:\n          x-canary:\n            exact: a\n            prefix: b\n", "spec.analysis.match[0].headers.x-canary", "exactly one")]
    public void Parse_AnalysisFieldNotHonouredOrInvalid_RefusedWithPathAndReason(string original, string replacement, string path, string reason)
    {
        var result = Parse(FlaggerCanary.Replace(original, replacement, StringComparison.Ordinal));

        Assert.Empty(result.Resources);
        Assert.Contains(result.Errors, e => e.Path == path && e.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("  progressDeadlineSeconds: 60\n", "  autoscalerRef: { apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, name: podinfo }\n", "spec.autoscalerRef", "autoscaler")]
    [InlineData("  provider: gatewayapi:v1\n", "  provider: istio\n", "spec.provider", "not a router")]
    [InlineData("  progressDeadlineSeconds: 60\n", "  suspend: maybe\n", "spec.suspend", "true or false")]
    [InlineData("    name: podinfo\n", "    name: Podinfo\n", "spec.targetRef.name", "DNS label")]
    public void Parse_SpecFieldNotHonouredOrInvalid_RefusedWithPathAndReason(string original, string replacement, string path, string reason)
    {
        var result = Parse(FlaggerCanary.Replace(original, replacement, StringComparison.Ordinal));

        Assert.Empty(result.Resources);
        Assert.Contains(result.Errors, e => e.Path == path && e.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("    corsPolicy: { allowOrigin: ['*'] }\n", "spec.service.corsPolicy")]
    [InlineData("    hosts: [app.example.com]\n", "spec.service.hosts")]
    [InlineData("    apex: { labels: { a: b } }\n", "spec.service.apex")]
    [InlineData("    headless: true\n", "spec.service.headless")]
    [InlineData("    gatewayRefs: [{ name: gw }]\n", "spec.service.gatewayRefs[0]")]
    public void Parse_ServiceFieldNotHonoured_RefusedWithPath(string field, string path)
    {
        var result = Parse(FlaggerCanary.Replace("    targetPort: 9898\n", "    targetPort: 9898\n" + field, StringComparison.Ordinal));

        Assert.Empty(result.Resources);
        Assert.Contains(result.Errors, e => e.Path == path && e.Reason.Contains("not honoured", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("              - name: error-rate\n                query: up\n                thresholdRange: { max: 1 }\n", "spec.analysis.metrics[2].query")]
    [InlineData("              - name: request-success-rate\n                thresholdRange: { min: 99 }\n", "spec.analysis.metrics[2].name")]
    [InlineData("              - name: request-duration\n                interval: 1m\n", "spec.analysis.metrics[2].thresholdRange")]
    public void Parse_BadMetric_RefusedWithPath(string metric, string path)
    {
        // The metrics list is the manifest's last field: the new item goes at the end.
        var yaml = FlaggerCanary + "\n" + metric.Replace("              ", "      ", StringComparison.Ordinal);

        var result = Parse(yaml);

        Assert.Empty(result.Resources);
        Assert.Contains(result.Errors, e => e.Path == path);
    }

    [Fact]
    public void Parse_TargetKindDaemonSet_Refused()
    {
        var result = Parse(FlaggerCanary.Replace("kind: Deployment", "kind: DaemonSet", StringComparison.Ordinal));

        Assert.Contains(result.Errors, e => e.Path == "spec.targetRef.kind" && e.Reason.Contains("Workload", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_ApplyingStatus_Refused()
    {
        var result = Parse(FlaggerCanary + "\nstatus:\n  phase: Succeeded\n");

        Assert.Contains(result.Errors, e => e.Path == "status");
    }

    [Fact]
    public void Write_CanaryWithStatus_RoundTripsThroughTheStoreForm()
    {
        const string Affinity = "\n    sessionAffinity: { cookieName: flagger-cookie, primaryCookieName: p, maxAge: 600, domain: example.com, path: /, sameSite: Lax, httpOnly: true, partitioned: true, secure: true }";
        var canary = (CanaryResource)Parse(FlaggerCanary.Replace("stepWeight: 10", "stepWeight: 10\n    stepWeightPromotion: 25" + Affinity, StringComparison.Ordinal)).Resources[0];
        Assert.NotNull(canary.Spec.Analysis.SessionAffinity);
        var at = new DateTimeOffset(2026, 12, 4, 3, 0, 0, 123, TimeSpan.Zero).AddTicks(4567);
        canary = canary with
        {
            Status = new CanaryStatus
            {
                Phase = CanaryPhases.Progressing,
                FailedChecks = 2,
                CanaryWeight = 30,
                LastAppliedSpec = "abc",
                LastPromotedSpec = "def",
                LastTransitionTime = at,
                Promoted = new CanaryCondition("Promoted", "Unknown", CanaryPhases.Progressing, "New revision detected", at),
                Metrics = [new CanaryMetricStatus("request-success-rate", 97.5, 99, null, false, at), new CanaryMetricStatus("request-duration", null, null, 500, false, at)],
                Events = [new CanaryEvent(at, "Warning", "Halt advancement")],
                SessionAffinityCookie = "flagger-cookie=McxKdLQoIN",
                PreviousSessionAffinityCookie = "flagger-cookie=LpsIaLdoNZ",
                PrimarySessionAffinityCookie = "p=abc",
            },
        };

        var json = ResourceWriter.ToJsonLine(canary);
        var reread = ManifestParser.Parse(json, "store", ManifestOrigin.Store);

        Assert.True(reread.Errors.Count == 0, Errors(reread));
        var back = Assert.IsType<CanaryResource>(reread.Resources[0]);
        Assert.True(canary.ContentEquals(back), json);
        Assert.Equal("flagger.app/v1beta1", back.ApiVersion);
    }
}
