using System.Globalization;
using Linnet.Api.Validation;
using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Judge;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>Flagger's <c>Canary</c>: the fields Linnet honours are read and validated; every field of Flagger's
/// schema that Linnet does not honour yet is refused with the reason, never ignored.</summary>
public static partial class ManifestParser
{
    // Flagger's providers that route as Linnet does (weighted backends of the Service's route): its Gateway API
    // router and Linkerd's (SMI TrafficSplit, the same split).
    private static readonly string[] CanaryProviders = ["gatewayapi", "gatewayapi:v1", "gatewayapi:v1beta1", "linkerd"];

    private static readonly string[] OtherProvidersOnly = ["ingressRef", "routeRef", "upstreamRef", "autoscalerRef", "metricsServer"];

    internal static CanarySpec ParseCanarySpec(YamlMap spec, string? canaryNamespace = null)
    {
        if (!spec.Exists)
        {
            spec.Error("", "spec is required");
        }

        if (spec.Text("provider") is { } provider && !CanaryProviders.Contains(provider, StringComparer.Ordinal))
        {
            spec.Error("provider", $"'{provider}' is not a router Linnet drives: traffic moves through the Service's weighted HTTPRoute (use one of: {string.Join(", ", CanaryProviders)}, or leave it out)");
        }

        foreach (var key in OtherProvidersOnly)
        {
            if (spec.Node(key) is not null)
            {
                spec.Error(key, key switch
                {
                    "autoscalerRef" => "is not honoured: universal-mode Workloads have no autoscaler; the primary keeps the target's replicas",
                    "metricsServer" => "is not honoured: built-in metrics come from the mesh's own metrics source (the embedded scraper or the control plane's --prometheus-url)",
                    _ => "is not honoured: Linnet routes canary traffic through the Service's HTTPRoute (the mesh), not an ingress or another router",
                });
            }
        }

        var target = spec.Map("targetRef");
        var targetName = target.Text("name", required: true) ?? "";
        var targetKind = target.Text("kind", required: true);
        var targetVersion = target.Text("apiVersion");
        if (targetKind is not null && targetKind != WorkloadResource.KindName && targetKind != "Deployment")
        {
            target.Error("kind", $"'{targetKind}' cannot be rolled out in universal mode: use Workload (a Deployment is read as the Workload of that name)");
        }

        if (targetVersion is not null && targetKind == WorkloadResource.KindName && targetVersion != "linnet.io/v1alpha1")
        {
            target.Error("apiVersion", $"'{targetVersion}' is not the version of Workload (linnet.io/v1alpha1)");
        }

        if (targetVersion is not null && targetKind == "Deployment" && targetVersion != "apps/v1")
        {
            target.Error("apiVersion", $"'{targetVersion}' is not the version of Deployment (apps/v1)");
        }

        if (targetName.Length > 0 && (!IsDnsLabel(targetName) || targetName.Length > 55))
        {
            target.Error("name", $"'{targetName}' must be a DNS label of at most 55 characters (the controller adds '-primary' and '-canary')");
        }

        target.RejectUnknown();

        var service = ParseCanaryService(spec.Map("service"), targetName.Length > 0 ? targetName : null, canaryNamespace);
        var deadline = spec.Number("progressDeadlineSeconds", 1, 86_400) ?? 600;
        var skip = spec.Bool("skipAnalysis") ?? false;
        var suspend = spec.Bool("suspend") ?? false;
        var revert = spec.Bool("revertOnDeletion") ?? false;

        var analysis = ParseCanaryAnalysis(spec.Map("analysis"));
        CheckCanaryRoute(spec, service, analysis);
        spec.RejectUnknown();
        return new CanarySpec(targetName, service, analysis) { ProgressDeadlineSeconds = deadline, SkipAnalysis = skip, Suspend = suspend, RevertOnDeletion = revert };
    }

    private static CanaryAnalysis ParseCanaryAnalysis(YamlMap analysis)
    {
        if (!analysis.Exists)
        {
            analysis.Error("", "is required (interval and stepWeight, or iterations)");
            return new CanaryAnalysis();
        }

        var interval = TimeSpan.FromMinutes(1);
        if (analysis.Text("interval") is { } intervalText)
        {
            if (!GoDuration.TryParse(intervalText, out interval) || interval < TimeSpan.FromSeconds(1))
            {
                analysis.Error("interval", $"'{intervalText}' is not a duration of at least 1s (such as 10s or 1m)");
                interval = TimeSpan.FromMinutes(1);
            }
        }

        // Flagger: a threshold of 0 or less means 1.
        var threshold = Math.Max(analysis.Number("threshold", int.MinValue, 1000) ?? 1, 1);
        var stepWeight = analysis.Number("stepWeight", 0, 100) ?? 0;
        var stepWeights = analysis.WholeNumbers("stepWeights", 1, 100, _ => "must be a weight 1..100");
        for (var i = 1; i < stepWeights.Count; i++)
        {
            if (stepWeights[i] <= stepWeights[i - 1])
            {
                analysis.Error($"stepWeights[{i}]", $"{stepWeights[i]} must be larger than the step before it ({stepWeights[i - 1]})");
            }
        }

        // Flagger: with stepWeights, the last one is the largest weight.
        var maxWeight = analysis.Number("maxWeight", 1, 100) ?? (stepWeights.Count > 0 ? stepWeights[^1] : 100);
        var promotion = analysis.Number("stepWeightPromotion", 0, 100) ?? 0;
        var iterations = analysis.Number("iterations", 0, 10_000) ?? 0;
        var match = ParseIstioMatches(analysis, "match", forAnalysis: true);
        var primaryReady = analysis.Number("primaryReadyThreshold", 1, 100) ?? 100;
        var canaryReady = analysis.Number("canaryReadyThreshold", 1, 100) ?? 100;
        if (iterations == 0 && stepWeight == 0 && stepWeights.Count == 0)
        {
            analysis.Error("stepWeight", "is required for a canary release (or stepWeights; or iterations for blue/green and A/B)");
        }

        if (iterations > 0 && (stepWeight > 0 || stepWeights.Count > 0))
        {
            analysis.Error("iterations", "and stepWeight/stepWeights choose different strategies (iterations: blue/green or A/B; stepWeight: canary); give one");
        }

        if (match.Count > 0 && iterations == 0)
        {
            analysis.Error("match", "needs iterations: Flagger runs an A/B test (matching requests to the canary) only with iterations");
        }

        var (mirror, mirrorWeight) = ParseMirror(analysis, iterations);
        var affinity = ParseSessionAffinity(analysis, iterations);
        var webhooks = ParseCanaryWebhooks(analysis);
        var alerts = ParseCanaryAlerts(analysis);
        var metrics = new List<CanaryMetric>();
        var items = analysis.Sequence("metrics");
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var item = analysis.Item(items[i], "metrics", i);
            if (ParseCanaryMetric(item) is { } metric)
            {
                if (!names.Add(metric.Name))
                {
                    item.Error("name", $"'{metric.Name}' is listed twice");
                }

                metrics.Add(metric);
            }
        }

        var judge = new JudgeOptions
        {
            Kind = analysis.Text("judge") ?? JudgeKinds.Threshold,
            Alpha = analysis.Real("alpha", double.MinValue, double.MaxValue) ?? 0.05,
            SuccessRateMargin = analysis.Real("successRateMargin", double.MinValue, double.MaxValue) ?? 0.01,
            LatencyQuantile = analysis.Real("latencyQuantile", double.MinValue, double.MaxValue) ?? 0.99,
            LatencyMargin = analysis.Real("latencyMargin", double.MinValue, double.MaxValue) ?? 0.01,
            UndecidedIntervals = analysis.Number("undecidedIntervals", int.MinValue, int.MaxValue) ?? JudgeOptions.DefaultUndecidedIntervals,
        };
        foreach (var error in judge.Validate(analysis.Path))
        {
            analysis.Error(error.Path[(analysis.Path.Length + 1)..], error.Reason);
        }

        if (judge.Kind != JudgeKinds.Sequential)
        {
            // The judge's settings are honoured only by the judge: under Flagger's threshold analysis they would be ignored.
            foreach (var key in JudgeSettingKeys.Where(k => analysis.Node(k) is not null))
            {
                analysis.Error(key, "applies only with judge: sequential (Flagger's threshold analysis has no such setting)");
            }
        }
        else if (iterations > 0)
        {
            analysis.Error("judge", "sequential compares canary and primary while both take traffic: it needs the canary strategy (stepWeight), not iterations");
        }

        var rollbackWindow = ParseRollbackWindow(analysis);
        analysis.RejectUnknown();
        return new CanaryAnalysis
        {
            RollbackWindow = rollbackWindow,
            SessionAffinity = affinity,
            Mirror = mirror,
            MirrorWeight = mirrorWeight,
            Interval = interval,
            Threshold = threshold,
            MaxWeight = maxWeight,
            StepWeight = stepWeight,
            StepWeights = stepWeights,
            StepWeightPromotion = promotion,
            Iterations = iterations,
            Match = match,
            PrimaryReadyThreshold = primaryReady,
            CanaryReadyThreshold = canaryReady,
            Metrics = metrics,
            Webhooks = webhooks,
            Alerts = alerts,
            Judge = judge,
        };
    }

    // Flagger's SessionAffinity (pkg/apis/flagger/v1beta1/canary.go) and its check that the two names differ
    // (verifySessionAffinity). The attributes go into a Set-Cookie header: each is checked against RFC 6265's grammar.
    private static CanarySessionAffinity? ParseSessionAffinity(YamlMap analysis, int iterations)
    {
        var map = analysis.Map("sessionAffinity");
        if (!map.Exists)
        {
            return null;
        }

        var name = CookieName(map, "cookieName", required: true);
        var primaryName = CookieName(map, "primaryCookieName", required: false);
        if (name is not null && primaryName == name)
        {
            map.Error("primaryCookieName", "can't be the same as cookieName (Flagger refuses it too): the two cookies pin users to different sides");
        }

        var maxAge = map.Number("maxAge", 0, int.MaxValue) ?? 0;
        var domain = CookieAttribute(map, "domain");
        if (domain is not null && (domain.Length == 0 || domain.Contains('/', StringComparison.Ordinal)))
        {
            map.Error("domain", $"'{domain}' is not a domain name");
        }

        var path = CookieAttribute(map, "path");
        if (path is not null && !path.StartsWith('/'))
        {
            map.Error("path", $"'{path}' must start with '/' (RFC 6265 section 5.2.4)");
        }

        var sameSite = map.Text("sameSite");
        if (sameSite is not null && sameSite is not ("Strict" or "Lax" or "None"))
        {
            map.Error("sameSite", $"'{sameSite}' is not one of: Strict, Lax, None");
        }

        var affinity = new CanarySessionAffinity(name ?? "")
        {
            PrimaryCookieName = primaryName,
            MaxAge = maxAge == 0 ? CanarySessionAffinity.DefaultMaxAge : maxAge,
            Domain = domain,
            Path = path,
            SameSite = sameSite,
            HttpOnly = map.Bool("httpOnly") ?? false,
            Partitioned = map.Bool("partitioned") ?? false,
            Secure = map.Bool("secure") ?? false,
        };
        map.RejectUnknown();
        if (iterations > 0)
        {
            analysis.Error("sessionAffinity", "applies to the canary strategy (stepWeight/stepWeights): blue/green and A/B give the canary no weighted share for the cookie to pin");
        }

        return affinity;
    }

    private static string? CookieName(YamlMap map, string key, bool required)
    {
        var name = map.Text(key, required);
        if (name is not null && !HttpSyntax.IsToken(name))
        {
            map.Error(key, $"'{name}' is not a cookie name (RFC 6265: an HTTP token, letters, digits and !#$%&'*+-.^_`|~)");
            return null;
        }

        return name;
    }

    // RFC 6265 section 4.1.1: an attribute value is any visible character but ';' (and no whitespace, here).
    private static string? CookieAttribute(YamlMap map, string key)
    {
        var value = map.Text(key);
        if (value is not null && value.Any(c => c is <= ' ' or ';' or >= '\x7f'))
        {
            map.Error(key, $"'{value}' cannot be a cookie attribute: no whitespace, control characters, ';' or non-ASCII");
            return null;
        }

        return value;
    }

    private static CanaryMetric? ParseCanaryMetric(YamlMap item)
    {
        var name = item.Text("name", required: true);
        var window = TimeSpan.FromMinutes(1);
        if (item.Text("interval") is { } text && (!GoDuration.TryParse(text, out window) || window < TimeSpan.FromSeconds(1)))
        {
            item.Error("interval", $"'{text}' is not a duration of at least 1s (such as 30s or 1m)");
            window = TimeSpan.FromMinutes(1);
        }

        if (item.Node("query") is not null)
        {
            item.Error("query", "is not honoured (Flagger's deprecated inline Prometheus query): put it in a MetricTemplate and name it with templateRef");
        }

        var (templateRef, templateVariables) = ParseTemplateRef(item);

        var range = item.Map("thresholdRange");
        var min = range.Real("min", double.MinValue, double.MaxValue);
        var max = range.Real("max", double.MinValue, double.MaxValue);
        range.RejectUnknown();

        // Flagger's deprecated `threshold`: the minimum success rate, or the largest duration.
        if (item.Real("threshold", double.MinValue, double.MaxValue) is { } threshold)
        {
            if (range.Exists)
            {
                item.Error("threshold", "and thresholdRange both given; use thresholdRange");
            }
            else if (name == CanaryMetric.RequestSuccessRate)
            {
                min = threshold;
            }
            else
            {
                max = threshold;
            }
        }

        if (min is not null && max is not null && min > max)
        {
            item.Error("thresholdRange", $"min {min.Value.ToString(CultureInfo.InvariantCulture)} is above max {max.Value.ToString(CultureInfo.InvariantCulture)}");
        }

        if (name is not null && templateRef is null && !CanaryMetric.BuiltIn.Contains(name, StringComparer.Ordinal))
        {
            item.Error("name", $"'{name}' is not a built-in metric (request-success-rate, request-duration); name a MetricTemplate with templateRef");
        }

        if (min is null && max is null)
        {
            item.Error("thresholdRange", "is required: a metric without min or max can never fail");
        }

        item.RejectUnknown();
        return name is null ? null : new CanaryMetric(name, window, min, max) { TemplateRef = templateRef, TemplateVariables = templateVariables };
    }
}
