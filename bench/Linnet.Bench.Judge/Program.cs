using System.Diagnostics;
using System.Globalization;
using System.Text;
using Linnet.Bench.Judge;
using Linnet.ControlPlane.Core.Judge;

// The canary-judge replay simulator: see bench/judge/run.sh and docs/benchmarks.md.
var runs = 1000;
var horizon = 60;
ulong seed = 14;
string? output = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--runs":
            runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--horizon-minutes":
            horizon = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--seed":
            seed = ulong.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--out":
            output = args[++i];
            break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'; usage: linnet-bench-judge [--runs N] [--horizon-minutes M] [--seed S] [--out FILE]");
            return 2;
    }
}

Scenario[] scenarios =
[
    new("A/A (canary = primary)", TrafficModel.PrimaryFailureRate, 1),
    new("good (0.4 % errors, 10 % faster)", 0.004, 0.9),
    new("+5 points of errors (5.5 %)", TrafficModel.PrimaryFailureRate + 0.05, 1),
    new("+50 % latency (p99 525 ms)", TrafficModel.PrimaryFailureRate, 1.5),
];
double[] rates = [1, 10, 100];
var sequential = new JudgeOptions { Kind = JudgeKinds.Sequential };
static Func<Scenario, Func<IRolloutPolicy>?> Always(Func<IRolloutPolicy> create) => _ => create;
(string Name, Func<Scenario, Func<IRolloutPolicy>?> Create)[] algorithms =
[
    ("Flagger threshold", Always(() => new FlaggerThreshold())),
    ("Kayenta-style MW", Always(() => new KayentaMannWhitney())),
    ("sequential, 10 s looks", Always(() => new SequentialPolicy(sequential, 1))),
    ("sequential, 1 m looks", Always(() => new SequentialPolicy(sequential, FlaggerThreshold.IntervalTicks))),
    ("sequential α = 0.02, 10 s looks", Always(() => new SequentialPolicy(sequential with { Alpha = 0.02 }, 1))),
    ("sequential, 10 s looks, hold on evidence", Always(() => new SequentialPolicy(sequential, 1, holdOnEvidence: true))),
    ($"sequential as the controller runs it: hold, undecidedIntervals {sequential.UndecidedIntervals}", Always(() => new SequentialPolicy(sequential, 1, holdOnEvidence: true, undecidedIntervals: sequential.UndecidedIntervals))),
    ("sequential as the controller before: hold, undecidedIntervals 10", Always(() => new SequentialPolicy(sequential, 1, holdOnEvidence: true, undecidedIntervals: 10))),
    ("sequential as the controller, ≥ 100 canary requests a step", Always(() => new SequentialPolicy(sequential, 1, holdOnEvidence: true, minCanaryRequestsPerStep: 100, undecidedIntervals: sequential.UndecidedIntervals))),
    ("sequential, hold, latency bound from the analysis alone", Always(() => new SequentialPolicy(sequential, 1, holdOnEvidence: true, readPrimaryHistory: false))),
    ("sequential, hold, ≥ 100 canary requests a step", Always(() => new SequentialPolicy(sequential, 1, holdOnEvidence: true, minCanaryRequestsPerStep: 100))),
    ("sequential, hold, ≥ 400 canary requests a step", Always(() => new SequentialPolicy(sequential, 1, holdOnEvidence: true, minCanaryRequestsPerStep: 400))),
    // Not a rollout anyone can run: the fastest valid test if the effect were known (bad canaries only).
    ("oracle: SPRT knowing the effect, judge's null and α/2, hold on evidence", scenario => OraclePolicy.For(scenario, HarmEProcess.Tolerance, sequential.Alpha / 2, holdAtFirstStep: false)),
    ("oracle: SPRT knowing the effect, judge's null and α/2, held at 10 %", scenario => OraclePolicy.For(scenario, HarmEProcess.Tolerance, sequential.Alpha / 2, holdAtFirstStep: true)),
    ("oracle: SPRT knowing the effect, null ≤ primary and α, held at 10 %", scenario => OraclePolicy.For(scenario, 1, sequential.Alpha, holdAtFirstStep: true)),
    ("oracle: promotion SPRT knowing the effect and the primary's rate, α per metric", scenario => PromotionOraclePolicy.For(scenario, sequential.SuccessRateMargin, sequential.LatencyMargin, sequential.Alpha)),
];

var report = new StringBuilder();
report.AppendLine(CultureInfo.InvariantCulture, $"{runs} runs per cell, seed {seed}, horizon {horizon} min; primary 0.5 % errors, log-normal latency median {TrafficModel.MedianMs} ms p99 {TrafficModel.P99Ms} ms.");
report.AppendLine("Blast radius: user requests that went bad because of the canary (extra failures + extra responses slower than the primary's p99) until the decision, or until the horizon if a bad canary was promoted; mean over runs.");
report.AppendLine();
report.AppendLine("| canary | req/s | algorithm | rolled back | promoted | undecided | median decision (min) | p90 decision (min) | mean blast radius | vs Flagger |");
report.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|");
var clock = Stopwatch.StartNew();
for (var s = 0; s < scenarios.Length; s++)
{
    foreach (var rate in rates)
    {
        var cellSeed = seed + (ulong)(s * 1000) + (ulong)rate;
        double flaggerBlast = double.NaN;
        foreach (var (name, createFor) in algorithms)
        {
            if (createFor(scenarios[s]) is not { } create)
            {
                continue;
            }

            var results = Simulation.Run(scenarios[s], rate, runs, horizon, cellSeed, create);
            var blast = results.Average(r => r.BlastRadius);
            if (double.IsNaN(flaggerBlast))
            {
                flaggerBlast = blast;
            }

            var decided = results.Where(r => r.Outcome != Outcome.Undecided).Select(r => r.DecisionMinutes).Order().ToArray();
            var versus = flaggerBlast > 0 ? (blast / flaggerBlast).ToString("0.000", CultureInfo.InvariantCulture) : "–";
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {scenarios[s].Name} | {rate} | {name} | {RolledBack(results)} | {Share(results, Outcome.Promoted)} | {Share(results, Outcome.Undecided)} | {Quantile(decided, 0.5)} | {Quantile(decided, 0.9)} | {blast:0.0} | {versus} |");
            Console.Error.WriteLine($"{clock.Elapsed:mm\\:ss} {scenarios[s].Name} @ {rate}/s {name} done");
        }
    }
}

Console.Write(report);
if (output is not null)
{
    File.WriteAllText(output, report.ToString());
}

return 0;

// Rollbacks on evidence and for indecision at maxWeight, the second shown apart when there are any.
static string RolledBack(RunResult[] results) => results.Any(r => r.Outcome == Outcome.GaveUp)
    ? string.Create(CultureInfo.InvariantCulture, $"{100.0 * results.Count(r => r.Outcome is Outcome.RolledBack or Outcome.GaveUp) / results.Length:0.0} % ({Share(results, Outcome.GaveUp)} undecided at maxWeight)")
    : Share(results, Outcome.RolledBack);

static string Share(RunResult[] results, Outcome outcome) =>
    string.Create(CultureInfo.InvariantCulture, $"{100.0 * results.Count(r => r.Outcome == outcome) / results.Length:0.0} %");

static string Quantile(double[] sorted, double q) => sorted.Length == 0
    ? "–"
    : sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(q * sorted.Length))].ToString("0.0", CultureInfo.InvariantCulture);
