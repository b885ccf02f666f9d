using Linnet.ControlPlane.Core.Judge;
using MathNet.Numerics.Distributions;

namespace Linnet.ControlPlane.Core.Tests.Judge;

public sealed class HarmEProcessTests
{
    // The grid of rate ratios is part of the method's definition (docs/canary-judge.md), so the tests
    // restate it rather than read it from the code.
    private static readonly double[] Ratios = [1.25, 1.5, 2, 3, 5, 8, 13, 21];

    [Fact]
    public void Add_OneLook_EqualsTheMixtureOfBinomialLikelihoodRatios()
    {
        // 200 canary and 800 primary requests: under "no worse" a failure is the canary's with π = 0.2; the
        // alternative with rate ratio r makes it π' = rπ / (rπ + 1 − π). Six of ten failures on the canary.
        var process = new HarmEProcess();
        process.Add(canaryTrials: 200, primaryTrials: 800, canaryEvents: 6, primaryEvents: 4);

        var expected = Ratios.Average(r => LikelihoodRatio(r, 0.2, 10, 6));
        Assert.Equal(Math.Log(expected), process.LogValue, 9);
    }

    [Fact]
    public void Add_OneLookByHand_MatchesHandComputedValue()
    {
        // π = 0.5, both failures on the canary: each factor is r² / ((1 + r) / 2)², by hand
        // 1.25: 1.2346, 1.5: 1.44, 2: 1.7778, 3: 2.25, 5: 2.7778, 8: 3.1605, 13: 3.4490, 21: 3.6446;
        // mean 2.4668.
        var process = new HarmEProcess();
        process.Add(canaryTrials: 50, primaryTrials: 50, canaryEvents: 2, primaryEvents: 0);

        Assert.Equal(2.4668, Math.Exp(process.LogValue), 3);
    }

    [Fact]
    public void Add_TwoLooks_MultipliesEachAlternativesFactorsBeforeMixing()
    {
        var process = new HarmEProcess();
        process.Add(100, 900, 3, 5);
        process.Add(300, 700, 9, 2);

        var expected = Ratios.Average(r => LikelihoodRatio(r, 0.1, 8, 3) * LikelihoodRatio(r, 0.3, 11, 9));
        Assert.Equal(Math.Log(expected), process.LogValue, 9);
    }

    [Fact]
    public void Add_NoEventsOrOneSideIdle_LeavesTheValueAtOne()
    {
        var process = new HarmEProcess();
        process.Add(100, 900, 0, 0);
        process.Add(0, 900, 0, 7);
        process.Add(100, 0, 4, 0);

        Assert.Equal(0, process.LogValue, 12);
    }

    [Fact]
    public void Add_FailuresOnlyOnThePrimary_LowersTheValue()
    {
        var process = new HarmEProcess();
        process.Add(500, 500, 0, 6);

        Assert.True(process.LogValue < 0);
    }

    private static double LikelihoodRatio(double r, double share, int events, int canaryEvents)
    {
        var alternative = r * share / ((r * share) + 1 - share);
        return Binomial.PMF(alternative, events, canaryEvents) / Binomial.PMF(share, events, canaryEvents);
    }
}
