using System.Globalization;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Judge;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>A Canary in Flagger's shape, with Linnet's status fields.</summary>
public static partial class ResourceWriter
{
    internal static JsonObject CanarySpecJson(CanarySpec spec)
    {
        var service = new JsonObject();
        if (spec.Service.Name is not null)
        {
            service["name"] = spec.Service.Name;
        }

        service["port"] = spec.Service.Port;
        service["portName"] = spec.Service.PortName;
        if (spec.Service.TargetPort is { } targetPort)
        {
            service["targetPort"] = targetPort;
        }

        AddCanaryServiceRoute(service, spec.Service);

        var a = spec.Analysis;
        var analysis = new JsonObject
        {
            ["interval"] = GoDuration.Format(a.Interval),
            ["threshold"] = a.Threshold,
            ["maxWeight"] = a.MaxWeight,
        };
        if (a.StepWeight > 0)
        {
            analysis["stepWeight"] = a.StepWeight;
        }

        if (a.StepWeights.Count > 0)
        {
            analysis["stepWeights"] = Ints(a.StepWeights);
        }

        if (a.StepWeightPromotion > 0)
        {
            analysis["stepWeightPromotion"] = a.StepWeightPromotion;
        }

        if (a.Iterations > 0)
        {
            analysis["iterations"] = a.Iterations;
        }

        if (a.Match.Count > 0)
        {
            analysis["match"] = IstioMatchesJson(a.Match);
        }

        analysis["primaryReadyThreshold"] = a.PrimaryReadyThreshold;
        analysis["canaryReadyThreshold"] = a.CanaryReadyThreshold;
        var metrics = new JsonArray();
        foreach (var m in a.Metrics)
        {
            var range = new JsonObject();
            if (m.Min is { } min)
            {
                range["min"] = min;
            }

            if (m.Max is { } max)
            {
                range["max"] = max;
            }

            var metric = new JsonObject { ["name"] = m.Name, ["interval"] = GoDuration.Format(m.Interval), ["thresholdRange"] = range };
            AddTemplateRef(metric, m);
            metrics.Add(metric);
        }

        analysis["metrics"] = metrics;
        analysis["rollbackWindow"] = GoDuration.Format(a.RollbackWindow);
        if (a.Mirror)
        {
            analysis["mirror"] = true;
            analysis["mirrorWeight"] = a.MirrorWeight;
        }

        if (a.SessionAffinity is { } affinity)
        {
            analysis["sessionAffinity"] = SessionAffinityJson(affinity);
        }

        if (a.Webhooks.Count > 0)
        {
            analysis["webhooks"] = CanaryWebhooksJson(a.Webhooks);
        }

        if (a.Alerts.Count > 0)
        {
            analysis["alerts"] = CanaryAlertsJson(a.Alerts);
        }

        if (a.Judge.Kind != JudgeKinds.Threshold)
        {
            analysis["judge"] = a.Judge.Kind;
            analysis["alpha"] = a.Judge.Alpha;
            analysis["successRateMargin"] = a.Judge.SuccessRateMargin;
            analysis["latencyQuantile"] = a.Judge.LatencyQuantile;
            analysis["latencyMargin"] = a.Judge.LatencyMargin;
            analysis["undecidedIntervals"] = a.Judge.UndecidedIntervals;
        }

        return new JsonObject
        {
            ["targetRef"] = new JsonObject { ["apiVersion"] = "linnet.io/v1alpha1", ["kind"] = WorkloadResource.KindName, ["name"] = spec.TargetName },
            ["service"] = service,
            ["progressDeadlineSeconds"] = spec.ProgressDeadlineSeconds,
            ["skipAnalysis"] = spec.SkipAnalysis,
            ["suspend"] = spec.Suspend,
            ["revertOnDeletion"] = spec.RevertOnDeletion,
            ["analysis"] = analysis,
        };
    }

    private static JsonObject SessionAffinityJson(CanarySessionAffinity affinity)
    {
        var json = new JsonObject { ["cookieName"] = affinity.CookieName, ["maxAge"] = affinity.MaxAge };
        foreach (var (key, value) in new[] { ("primaryCookieName", affinity.PrimaryCookieName), ("domain", affinity.Domain), ("path", affinity.Path), ("sameSite", affinity.SameSite) })
        {
            if (value is not null)
            {
                json[key] = value;
            }
        }

        foreach (var (key, value) in new[] { ("httpOnly", affinity.HttpOnly), ("partitioned", affinity.Partitioned), ("secure", affinity.Secure) })
        {
            if (value)
            {
                json[key] = true;
            }
        }

        return json;
    }

    internal static void AddCanaryStatus(JsonObject json, CanaryStatus status)
    {
        if (status.Equals(CanaryStatus.Empty))
        {
            return;
        }

        var result = new JsonObject
        {
            ["phase"] = status.Phase,
            ["failedChecks"] = status.FailedChecks,
            ["canaryWeight"] = status.CanaryWeight,
            ["iterations"] = status.Iterations,
            ["lastAppliedSpec"] = status.LastAppliedSpec,
            ["lastPromotedSpec"] = status.LastPromotedSpec,
            ["lastTransitionTime"] = Time(status.LastTransitionTime),
        };
        foreach (var (key, value) in new[]
        {
            ("sessionAffinityCookie", status.SessionAffinityCookie),
            ("previousSessionAffinityCookie", status.PreviousSessionAffinityCookie),
            ("primarySessionAffinityCookie", status.PrimarySessionAffinityCookie),
        })
        {
            if (value.Length > 0)
            {
                result[key] = value;
            }
        }

        if (status.Promoted is { } c)
        {
            result["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = c.Type,
                ["status"] = c.Status,
                ["reason"] = c.Reason,
                ["message"] = c.Message,
                ["lastTransitionTime"] = Time(c.LastTransitionTime),
            });
        }

        if (status.Metrics.Count > 0)
        {
            var metrics = new JsonArray();
            foreach (var m in status.Metrics)
            {
                var metric = new JsonObject { ["name"] = m.Name };
                if (m.Value is { } value)
                {
                    metric["value"] = value;
                }

                if (m.Min is { } min)
                {
                    metric["min"] = min;
                }

                if (m.Max is { } max)
                {
                    metric["max"] = max;
                }

                metric["passed"] = m.Passed;
                metric["checkedAt"] = Time(m.CheckedAt);
                metrics.Add(metric);
            }

            result["metrics"] = metrics;
        }

        if (status.Judge is { } judge)
        {
            result["judge"] = CanaryJudgeJson(judge);
        }

        if (status.Events.Count > 0)
        {
            result["events"] = new JsonArray(status.Events.Select(e => (JsonNode)new JsonObject { ["at"] = Time(e.At), ["type"] = e.Type, ["message"] = e.Message }).ToArray());
        }

        AddCanaryOpsStatus(result, status);
        json["status"] = result;
    }

    private static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}
