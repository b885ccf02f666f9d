using Linnet.Api.Telemetry;

namespace Linnet.ControlPlane.Core.Judge;

/// <summary>The anytime-valid canary judge: compares canary with primary at every look, rolls back as
/// soon as either the failure rate or the share of slow responses is shown higher on the canary, and
/// promotes once both are shown no more than their margins higher. However long it runs and however often
/// it looks, it rolls back a canary no worse than the primary with probability at most α, and promotes a
/// canary worse by more than a margin with probability at most α. Pure: feed it the cumulative counts at
/// each look, in order; one instance per analysis. See docs/canary-judge.md.</summary>
public sealed class SequentialJudge
{
    private readonly JudgeOptions _options;
    private readonly HarmEProcess _failures;
    private readonly HarmEProcess _slow;
    private JudgeInput _last;
    private int _boundIndex;
    private JudgeInput? _boundOrigin;
    private long _looks;
    private JudgeResult? _decided;

    public SequentialJudge(JudgeOptions options)
        : this(options, JudgeState.Initial)
    {
    }

    /// <summary>Resumes an analysis from its stored <paramref name="state"/> (<see cref="State"/> after the
    /// last look): the next look's counts continue from there, so nothing is counted twice or lost.</summary>
    /// <exception cref="ArgumentException">The options are invalid or the state is malformed.</exception>
    public SequentialJudge(JudgeOptions options, JudgeState state)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(state);
        var errors = options.Validate("analysis");
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        _options = options;
        Check(state.Primary, SideCounts.Empty, "primary");
        Check(state.Canary, SideCounts.Empty, "canary");
        if (state.LatencyBoundIndex < -1 || state.LatencyBoundIndex >= LatencyBuckets.Milliseconds.Count || (state.LatencyBoundIndex >= 0) != state.LatencyOrigin is not null || state.Looks < 0)
        {
            throw new ArgumentException($"latency bound {state.LatencyBoundIndex} does not fit the stored state", nameof(state));
        }

        _failures = new HarmEProcess(state.FailureLogProducts);
        _slow = new HarmEProcess(state.SlowLogProducts);
        _last = new JudgeInput(state.Primary, state.Canary);
        _boundIndex = state.LatencyBoundIndex;
        _boundOrigin = state.LatencyOrigin;
        _looks = state.Looks;
        var current = Result(_last);
        _decided = current.Verdict == JudgeVerdict.Continue ? null : current;
    }

    /// <summary>What to store to resume this analysis later.</summary>
    public JudgeState State => new()
    {
        Looks = _looks,
        Primary = _last.Primary,
        Canary = _last.Canary,
        FailureLogProducts = _failures.LogProducts,
        SlowLogProducts = _slow.LogProducts,
        LatencyBoundIndex = _boundIndex,
        LatencyOrigin = _boundOrigin,
    };

    /// <summary>The decision and statistics as of the last look (the one a resumed judge stopped at).</summary>
    public JudgeResult Current => _decided ?? Result(_last);

    /// <summary>Takes the counts at one look and returns the decision. After a rollback or a promotion the
    /// decision stands: later looks return it unchanged.</summary>
    /// <param name="input">Both sides' cumulative counts since the analysis started.</param>
    /// <param name="primaryHistory">Optionally, the primary's counts over a longer past (its traffic before
    /// and since the analysis started, as far back as the metrics go): used only to place the latency bound
    /// while it is not placed, when it holds more of the primary's responses than the analysis has. It is
    /// never evidence: the bound is applied to the looks after this one only, as when it comes from the
    /// analysis's own counts, so the tests stay valid; it lets latency be judged from the second look on,
    /// instead of after the primary has served <see cref="JudgeOptions.ResponsesForLatencyBound"/> responses
    /// within the analysis (minutes at low traffic, while the canary's weight rises).</param>
    /// <exception cref="ArgumentException">The counts are malformed or went down since the last look
    /// (a counter reset is the metrics source's to absorb, not evidence).</exception>
    public JudgeResult Observe(JudgeInput input, SideCounts? primaryHistory = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        Check(input.Primary, _last.Primary, "primary");
        Check(input.Canary, _last.Canary, "canary");
        if (primaryHistory is not null)
        {
            Check(primaryHistory, SideCounts.Empty, "primary history");
        }

        if (_decided is not null)
        {
            return _decided;
        }

        _failures.Add(
            input.Canary.Requests - _last.Canary.Requests,
            input.Primary.Requests - _last.Primary.Requests,
            input.Canary.Failures - _last.Canary.Failures,
            input.Primary.Failures - _last.Primary.Failures);
        if (_boundIndex >= 0)
        {
            _slow.Add(
                input.Canary.Responses - _last.Canary.Responses,
                input.Primary.Responses - _last.Primary.Responses,
                input.Canary.ResponsesAbove(_boundIndex) - _last.Canary.ResponsesAbove(_boundIndex),
                input.Primary.ResponsesAbove(_boundIndex) - _last.Primary.ResponsesAbove(_boundIndex));
        }
        else if ((primaryHistory is { } history && history.Responses > input.Primary.Responses ? history : input.Primary) is var basis
            && basis.Responses >= _options.ResponsesForLatencyBound)
        {
            // Chosen from the data seen so far and applied only to what comes after, so the choice cannot
            // bias the test: each look's factor is fixed before its events are counted.
            _boundIndex = QuantileBucket(basis, _options.LatencyQuantile);
            _boundOrigin = input;
        }

        _last = input;
        _looks++;
        var result = Result(input);
        if (result.Verdict != JudgeVerdict.Continue)
        {
            _decided = result;
        }

        return result;
    }

    // The decision and figures from the state after a look: a pure function of the state, so a judge resumed
    // from its stored state gives the same answer as the one that stored it.
    private JudgeResult Result(JudgeInput input)
    {
        var failureRate = Evidence(
            MetricEvidence.FailureRate, null, _failures, _options.SuccessRateMargin,
            input.Canary.Failures, input.Canary.Requests, input.Primary.Failures, input.Primary.Requests);
        MetricEvidence? latency = null;
        if (_boundOrigin is { } origin)
        {
            latency = Evidence(
                MetricEvidence.SlowResponses, LatencyBuckets.Milliseconds[_boundIndex], _slow, _options.LatencyMargin,
                input.Canary.ResponsesAbove(_boundIndex) - origin.Canary.ResponsesAbove(_boundIndex),
                input.Canary.Responses - origin.Canary.Responses,
                input.Primary.ResponsesAbove(_boundIndex) - origin.Primary.ResponsesAbove(_boundIndex),
                input.Primary.Responses - origin.Primary.Responses);
        }

        var verdict = failureRate.Harmful || latency is { Harmful: true } ? JudgeVerdict.RollBack
            : failureRate.WithinMargin && latency is { WithinMargin: true } ? JudgeVerdict.Promote
            : JudgeVerdict.Continue;
        return new JudgeResult
        {
            Verdict = verdict,
            Alpha = _options.Alpha,
            CanaryRequests = input.Canary.Requests,
            PrimaryRequests = input.Primary.Requests,
            FailureRate = failureRate,
            Latency = latency,
            ResponsesUntilLatencyBound = latency is null ? Math.Max(_options.ResponsesForLatencyBound - input.Primary.Responses, 0) : 0,
        };
    }

    private MetricEvidence Evidence(
        string metric, double? boundMs, HarmEProcess harm, double margin,
        long canaryEvents, long canaryTrials, long primaryEvents, long primaryTrials)
    {
        // α is spent twice over: half on each metric's rollback test (union bound), and, for the bound on
        // the difference, half on each side's confidence sequence, so that bound holds with 1 − α.
        var canary = BetaBinomialConfidenceSequence.Interval(canaryEvents, canaryTrials, _options.Alpha / 2);
        var primary = BetaBinomialConfidenceSequence.Interval(primaryEvents, primaryTrials, _options.Alpha / 2);
        return new MetricEvidence
        {
            Metric = metric,
            LatencyBoundMs = boundMs,
            CanaryEvents = canaryEvents,
            CanaryTrials = canaryTrials,
            PrimaryEvents = primaryEvents,
            PrimaryTrials = primaryTrials,
            EValue = Math.Exp(harm.LogValue),
            EValueThreshold = 2 / _options.Alpha,
            DifferenceUpper = canary.Upper - primary.Lower,
            Margin = margin,
        };
    }

    /// <summary>The bucket holding the quantile: the first whose cumulative count reaches q of the total,
    /// the last finite one if the quantile is in +Inf.</summary>
    private static int QuantileBucket(SideCounts side, double quantile)
    {
        var rank = quantile * side.Responses;
        long cumulative = 0;
        for (var i = 0; i < LatencyBuckets.Milliseconds.Count; i++)
        {
            cumulative += side.LatencyBuckets[i];
            if (cumulative >= rank)
            {
                return i;
            }
        }

        return LatencyBuckets.Milliseconds.Count - 1;
    }

    private static void Check(SideCounts now, SideCounts before, string side)
    {
        ArgumentNullException.ThrowIfNull(now);
        if (now.LatencyBuckets is null || now.LatencyBuckets.Count != LatencyBuckets.Count)
        {
            throw new ArgumentException($"{side}: latency histogram has {now.LatencyBuckets?.Count ?? 0} buckets, expected {LatencyBuckets.Count} (Linkerd's response_latency_ms bounds and +Inf)");
        }

        if (now.Failures < 0 || now.Failures > now.Requests)
        {
            throw new ArgumentException($"{side}: {now.Failures} failures of {now.Requests} requests");
        }

        if (now.Requests < before.Requests || now.Failures < before.Failures)
        {
            throw new ArgumentException($"{side}: counts went down ({before.Requests} → {now.Requests} requests, {before.Failures} → {now.Failures} failures)");
        }

        for (var i = 0; i < now.LatencyBuckets.Count; i++)
        {
            if (now.LatencyBuckets[i] < 0 || now.LatencyBuckets[i] < before.LatencyBuckets[i])
            {
                throw new ArgumentException($"{side}: latency bucket {i} went from {before.LatencyBuckets[i]} to {now.LatencyBuckets[i]}");
            }
        }
    }
}
