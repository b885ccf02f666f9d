using System.Globalization;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Judge;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>A Canary's <c>status.judge</c>: the decision and its figures for readers (describe, the dashboard,
/// alerts), and under <c>state</c> what the judge resumes from. The figures are derived from the state; only
/// the state, <c>lookedAt</c> and <c>intervalsAtMaxWeight</c> are read back.</summary>
public static partial class ResourceWriter
{
    private static JsonObject CanaryJudgeJson(CanaryJudgeStatus judge)
    {
        var result = judge.Result;
        var json = new JsonObject
        {
            ["verdict"] = JudgeVerdicts.Name(result.Verdict),
            ["message"] = result.Message,
            ["lookedAt"] = Time(judge.LookedAt),
            ["looks"] = judge.State.Looks,
            ["intervalsAtMaxWeight"] = judge.IntervalsAtMaxWeight,
            ["alpha"] = result.Alpha,
            ["canaryRequests"] = result.CanaryRequests,
            ["primaryRequests"] = result.PrimaryRequests,
            ["failureRate"] = EvidenceJson(result.FailureRate),
        };
        if (result.Latency is { } latency)
        {
            json["latency"] = EvidenceJson(latency);
        }
        else
        {
            json["responsesUntilLatencyBound"] = result.ResponsesUntilLatencyBound;
        }

        var state = judge.State;
        var stateJson = new JsonObject
        {
            ["primary"] = SideJson(state.Primary),
            ["canary"] = SideJson(state.Canary),
            ["failureLogE"] = Doubles(state.FailureLogProducts),
            ["slowLogE"] = Doubles(state.SlowLogProducts),
            ["latencyBoundIndex"] = state.LatencyBoundIndex,
        };
        if (state.LatencyOrigin is { } origin)
        {
            stateJson["latencyOrigin"] = new JsonObject { ["primary"] = SideJson(origin.Primary), ["canary"] = SideJson(origin.Canary) };
        }

        json["state"] = stateJson;
        return json;
    }

    private static JsonObject EvidenceJson(MetricEvidence evidence)
    {
        var json = new JsonObject { ["metric"] = evidence.Metric };
        if (evidence.LatencyBoundMs is { } bound)
        {
            json["boundMs"] = bound;
        }

        json["canaryEvents"] = evidence.CanaryEvents;
        json["canaryTrials"] = evidence.CanaryTrials;
        json["primaryEvents"] = evidence.PrimaryEvents;
        json["primaryTrials"] = evidence.PrimaryTrials;
        json["canaryRate"] = evidence.CanaryRate;
        json["primaryRate"] = evidence.PrimaryRate;

        // An overwhelming e-value overflows a double; readers compare it with the threshold, which it exceeds.
        json["eValue"] = double.IsFinite(evidence.EValue) ? evidence.EValue : double.MaxValue;
        json["eValueThreshold"] = evidence.EValueThreshold;
        json["differenceUpper"] = evidence.DifferenceUpper;
        json["margin"] = evidence.Margin;
        json["harmful"] = evidence.Harmful;
        json["withinMargin"] = evidence.WithinMargin;
        return json;
    }

    private static JsonObject SideJson(SideCounts side) => new()
    {
        ["requests"] = side.Requests,
        ["failures"] = side.Failures,
        ["latencyBuckets"] = new JsonArray(side.LatencyBuckets.Select(b => (JsonNode)JsonValue.Create(b)).ToArray()),
    };

    private static JsonArray Doubles(IReadOnlyList<double> values) =>
        new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
