using System.Globalization;
using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Judge;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>A Canary's <c>status.judge</c> as the store keeps it: the judge is resumed from <c>state</c>
/// (malformed state is an error at its path, never a silently fresh analysis); the decision and figures beside
/// it are derived from the state and recomputed, not trusted.</summary>
public static partial class ManifestParser
{
    /// <summary>The judge's settings under <c>analysis</c>, besides <c>judge</c> itself.</summary>
    private static readonly string[] JudgeSettingKeys = ["alpha", "successRateMargin", "latencyQuantile", "latencyMargin", "undecidedIntervals"];

    // Written for readers, derived from the state: read back only to be recognised.
    private static readonly string[] DerivedJudgeKeys = ["verdict", "message", "looks", "alpha", "canaryRequests", "primaryRequests", "failureRate", "latency", "responsesUntilLatencyBound"];

    private static CanaryJudgeStatus? ParseCanaryJudgeStatus(YamlMap judge, JudgeOptions options)
    {
        if (!judge.Exists)
        {
            return null;
        }

        foreach (var derived in DerivedJudgeKeys)
        {
            judge.Node(derived);
        }

        var lookedAt = Time(judge, "lookedAt");
        var s = judge.Map("state");
        var primary = ParseSideCounts(s.Map("primary"));
        var canary = ParseSideCounts(s.Map("canary"));
        var failureLogE = Doubles(s, "failureLogE");
        var slowLogE = Doubles(s, "slowLogE");
        var boundIndex = s.Number("latencyBoundIndex", -1, int.MaxValue) ?? -1;
        JudgeInput? origin = null;
        var o = s.Map("latencyOrigin");
        var incomplete = false;
        if (o.Exists)
        {
            var (originPrimary, originCanary) = (ParseSideCounts(o.Map("primary")), ParseSideCounts(o.Map("canary")));
            o.RejectUnknown();
            incomplete = originPrimary is null || originCanary is null;
            origin = incomplete ? null : new JudgeInput(originPrimary!, originCanary!);
        }

        var looks = Long(judge, "looks");
        var atMaxWeight = judge.Number("intervalsAtMaxWeight", 0, int.MaxValue) ?? 0;
        s.RejectUnknown();
        judge.RejectUnknown();
        if (primary is null || canary is null || failureLogE is null || slowLogE is null || incomplete)
        {
            judge.Error("state", "is incomplete: the judge cannot resume from it");
            return null;
        }

        var state = new JudgeState
        {
            Looks = looks,
            Primary = primary,
            Canary = canary,
            FailureLogProducts = failureLogE,
            SlowLogProducts = slowLogE,
            LatencyBoundIndex = boundIndex,
            LatencyOrigin = origin,
        };
        try
        {
            return new CanaryJudgeStatus(state, lookedAt, new SequentialJudge(options, state).Current) { IntervalsAtMaxWeight = atMaxWeight };
        }
        catch (ArgumentException ex)
        {
            judge.Error("state", ex.Message);
            return null;
        }
    }

    private static SideCounts? ParseSideCounts(YamlMap side)
    {
        if (!side.Exists)
        {
            return null;
        }

        var requests = Long(side, "requests");
        var failures = Long(side, "failures");
        var buckets = new List<long>();
        var items = side.Sequence("latencyBuckets");
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is YamlDotNet.RepresentationModel.YamlScalarNode { Value: { } text } && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                buckets.Add(count);
            }
            else
            {
                side.Error($"latencyBuckets[{i}]", "is not a count");
            }
        }

        side.RejectUnknown();
        return new SideCounts(requests, failures, buckets);
    }

    private static List<double>? Doubles(YamlMap map, string key)
    {
        var items = map.Sequence(key);
        var values = new List<double>();
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is YamlDotNet.RepresentationModel.YamlScalarNode { Value: { } text } && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
            {
                values.Add(value);
            }
            else
            {
                map.Error($"{key}[{i}]", "is not a finite number");
                return null;
            }
        }

        return values.Count == 0 ? null : values;
    }

    private static long Long(YamlMap map, string key)
    {
        var text = map.Text(key);
        if (text is null)
        {
            return 0;
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            map.Error(key, $"'{text}' is not a count");
        }

        return value;
    }
}
