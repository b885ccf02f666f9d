using Linnet.ControlPlane.Core.Judge;
using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace Linnet.ControlPlane.Core.Tests.Judge;

public sealed class BetaBinomialConfidenceSequenceTests
{
    [Theory]
    [InlineData(0, 10, 0.3)]
    [InlineData(7, 300, 0.01)]
    [InlineData(150, 20000, 0.005)]
    [InlineData(40, 40, 0.9)]
    public void LogMartingale_MatchesTheBetaBinomialFormula(long events, long trials, double p)
    {
        // Robbins' mixture over the priors Beta(1, b), b ∈ {1, 10, 100, 1000}, weight ¼ each (docs/canary-judge.md):
        // M_n(p) = Σ ¼ B(1 + S, b + n − S) / B(1, b) / (p^S (1 − p)^(n − S)).
        var expected = LogMixture(events, trials) - (events * Math.Log(p)) - ((trials - events) * Math.Log(1 - p));

        Assert.Equal(expected, BetaBinomialConfidenceSequence.LogMartingale(events, trials, p), 8);
    }

    [Fact]
    public void Interval_NoEvents_UpperEndIsTheClosedForm()
    {
        // S = 0: B(1, b + n) / B(1, b) = b / (b + n), so M_n(p) = m / (1 − p)^n with m = ¼ Σ b / (b + n), and
        // M_n(p) ≥ 1/a  ⇔  p ≥ 1 − (a·m)^(1/n). n = 100: m = ¼ (1/101 + 10/110 + 100/200 + 1000/1100) = 0.37748;
        // a = 0.025: 1 − (0.0094369)^(0.01) = 1 − e^(−0.046630) = 0.0456 by hand (the uniform prior alone: 0.0797).
        var (lower, upper) = BetaBinomialConfidenceSequence.Interval(0, 100, 0.025);
        var m = ((1.0 / 101) + (10.0 / 110) + (100.0 / 200) + (1000.0 / 1100)) / 4;

        Assert.Equal(0, lower);
        Assert.Equal(1 - Math.Pow(0.025 * m, 1.0 / 100), upper, 9);
        Assert.Equal(0.0456, upper, 4);
    }

    [Fact]
    public void Interval_Ends_AreWhereTheMartingaleReachesOneOverA()
    {
        const double a = 0.025;
        var (lower, upper) = BetaBinomialConfidenceSequence.Interval(7, 300, a);

        Assert.True(lower < 7.0 / 300 && upper > 7.0 / 300);
        Assert.Equal(Math.Log(1 / a), Reference(7, 300, lower), 6);
        Assert.Equal(Math.Log(1 / a), Reference(7, 300, upper), 6);
        Assert.True(Reference(7, 300, (lower + upper) / 2) < Math.Log(1 / a));
    }

    [Fact]
    public void Interval_BeforeAnyTrial_IsEverything()
    {
        Assert.Equal((0.0, 1.0), BetaBinomialConfidenceSequence.Interval(0, 0, 0.05));
    }

    [Fact]
    public void LogMartingale_TrueRateMonitoredAfterEveryTrial_CrossesOneOverAAtMostAOfTheTime()
    {
        // Ville's inequality, checked rather than trusted: 1,000 seeded Bernoulli(0.01) streams of 3,000
        // trials each, looked at after every trial. The true rate leaves the interval (M_n(p) ≥ 1/a) in at
        // most a = 5 % of the streams. If the real probability were 5 %, the count would be Binomial(1000,
        // 0.05): mean 50, sd 6.9; the bound 50 + 5 sd = 85 is exceeded with probability below 1e-6.
        var escapes = CountEscapes(new Random(1401), (events, n, p) => BetaBinomialConfidenceSequence.LogMartingale(events, n, p) >= Math.Log(1 / 0.05));

        Assert.InRange(escapes, 0, 85);
    }

    [Fact]
    public void CountEscapes_FixedSample95PercentIntervalLookedAtEveryTrial_EscapesFarMoreOften()
    {
        // The same harness catches a method that is valid only at a fixed n: the normal-approximation 95 %
        // interval (|S − np| ≥ 1.96 √(np(1 − p)), from n = 100 on, where np ≥ 1) checked after every trial
        // excludes the true rate in far more than 5 % of the streams. At 5 % the count would be at most 85
        // (as above); the 300 asserted here is more than 36 sd above that.
        var escapes = CountEscapes(new Random(1401), (events, n, p) => n >= 100 && Math.Abs(events - (n * p)) >= 1.96 * Math.Sqrt(n * p * (1 - p)));

        Assert.InRange(escapes, 300, 1000);
    }

    private static int CountEscapes(Random random, Func<long, long, double, bool> excludesTrueRate)
    {
        const double p = 0.01;
        var escapes = 0;
        for (var run = 0; run < 1000; run++)
        {
            long events = 0;
            for (long n = 1; n <= 3000; n++)
            {
                events += random.NextDouble() < p ? 1 : 0;
                if (excludesTrueRate(events, n, p))
                {
                    escapes++;
                    break;
                }
            }
        }

        return escapes;
    }

    private static readonly double[] PriorB = [1, 10, 100, 1000];

    // log Σ ¼ B(1 + S, b + n − S) / B(1, b), summed relative to its largest term (the terms underflow a double).
    private static double LogMixture(long events, long trials)
    {
        var terms = PriorB.Select(b => Math.Log(0.25) + SpecialFunctions.BetaLn(1 + events, b + trials - events) - SpecialFunctions.BetaLn(1, b)).ToArray();
        var max = terms.Max();
        return max + Math.Log(terms.Sum(t => Math.Exp(t - max)));
    }

    private static double Reference(long events, long trials, double p) =>
        LogMixture(events, trials)
        - Math.Log(Binomial.PMF(p, (int)trials, (int)events) / SpecialFunctions.Binomial((int)trials, (int)events));
}
