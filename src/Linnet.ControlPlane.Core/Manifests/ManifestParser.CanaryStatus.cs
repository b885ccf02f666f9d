using System.Globalization;
using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>A Canary's status as the store keeps it (only the store's own documents carry one).</summary>
public static partial class ManifestParser
{
    internal static CanaryStatus ParseCanaryStatus(YamlMap status, Judge.JudgeOptions judge)
    {
        if (!status.Exists)
        {
            return CanaryStatus.Empty;
        }

        CanaryCondition? promoted = null;
        var conditions = status.Sequence("conditions");
        for (var i = 0; i < conditions.Count; i++)
        {
            var c = status.Item(conditions[i], "conditions", i);
            var condition = new CanaryCondition(c.Text("type") ?? "", c.Text("status") ?? "Unknown", c.Text("reason") ?? "", c.Text("message") ?? "", Time(c, "lastTransitionTime"));
            c.Text("lastUpdateTime");
            c.RejectUnknown();
            if (condition.Type == "Promoted")
            {
                promoted = condition;
            }
        }

        var metrics = new List<CanaryMetricStatus>();
        var metricItems = status.Sequence("metrics");
        for (var i = 0; i < metricItems.Count; i++)
        {
            var m = status.Item(metricItems[i], "metrics", i);
            metrics.Add(new CanaryMetricStatus(m.Text("name") ?? "", m.Real("value", double.MinValue, double.MaxValue), m.Real("min", double.MinValue, double.MaxValue), m.Real("max", double.MinValue, double.MaxValue), m.Bool("passed") ?? false, Time(m, "checkedAt")));
            m.RejectUnknown();
        }

        var events = new List<CanaryEvent>();
        var eventItems = status.Sequence("events");
        for (var i = 0; i < eventItems.Count; i++)
        {
            var e = status.Item(eventItems[i], "events", i);
            events.Add(new CanaryEvent(Time(e, "at"), e.Text("type") ?? "Normal", e.Text("message") ?? ""));
            e.RejectUnknown();
        }

        var result = new CanaryStatus
        {
            Phase = status.Text("phase") ?? "",
            FailedChecks = status.Number("failedChecks", 0, int.MaxValue) ?? 0,
            CanaryWeight = status.Number("canaryWeight", 0, 100) ?? 0,
            Iterations = status.Number("iterations", 0, int.MaxValue) ?? 0,
            LastAppliedSpec = status.Text("lastAppliedSpec") ?? "",
            LastPromotedSpec = status.Text("lastPromotedSpec") ?? "",
            SessionAffinityCookie = status.Text("sessionAffinityCookie") ?? "",
            PreviousSessionAffinityCookie = status.Text("previousSessionAffinityCookie") ?? "",
            PrimarySessionAffinityCookie = status.Text("primarySessionAffinityCookie") ?? "",
            LastTransitionTime = Time(status, "lastTransitionTime"),
            Promoted = promoted,
            Metrics = metrics,
            Events = events,
            Judge = ParseCanaryJudgeStatus(status.Map("judge"), judge),
        };
        result = ParseCanaryOpsStatus(status, result);
        status.RejectUnknown();
        return result;
    }

    private static DateTimeOffset Time(YamlMap map, string key) =>
        DateTimeOffset.TryParse(map.Text(key), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : DateTimeOffset.UnixEpoch;
}
