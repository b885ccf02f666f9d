using Linnet.ControlPlane.Core.Judge;
using MathNet.Numerics;

namespace Linnet.ControlPlane.Core.Tests.Judge;

public sealed class HarmEProcessTests
{
    // The tolerance and the grid of alternatives are part of the method's definition (docs/canary-judge.md), so
    // the tests restate them rather than read them from the code.
    private const double Tolerance = 1.25;
    private static readonly double[] Ratios = [1.25, 1.5, 2, 3, 5, 8, 13, 21];

    [Fact]
    public void Add_OneLook_EqualsTheMixtureOfNoncentralHypergeometricLikelihoodRatios()
    {
        // 200 canary and 800 primary requests, ten failures, six of them on the canary: each alternative's factor
        // is Fisher's noncentral hypergeometric probability of 6 at odds ratio 1.25·r over that at 1.25.
        var process = new HarmEProcess();
        process.Add(canaryTrials: 200, primaryTrials: 800, canaryEvents: 6, primaryEvents: 4);

        var expected = Ratios.Average(r => Fisher(200, 800, 10, 6, Tolerance * r) / Fisher(200, 800, 10, 6, Tolerance));
        Assert.Equal(Math.Log(expected), process.LogValue, 9);
    }

    [Fact]
    public void Add_OneLookByHand_MatchesHandComputedValue()
    {
        // One request on each side, one failure, on the canary: P_ψ(1) = ψ / (1 + ψ), so each factor is
        // (ψ1 / (1 + ψ1)) · (2.25 / 1.25) with ψ1 = 1.25·r, by hand
        // 1.0976, 1.1739, 1.2857, 1.4211, 1.5517, 1.6364, 1.6957, 1.7339; mean 1.4495.
        var process = new HarmEProcess();
        process.Add(canaryTrials: 1, primaryTrials: 1, canaryEvents: 1, primaryEvents: 0);

        Assert.Equal(1.4495, Math.Exp(process.LogValue), 4);
    }

    [Fact]
    public void Add_TwoLooks_MultipliesEachAlternativesFactorsBeforeMixing()
    {
        var process = new HarmEProcess();
        process.Add(100, 900, 3, 5);
        process.Add(300, 700, 9, 2);

        var expected = Ratios.Average(r =>
            Fisher(100, 900, 8, 3, Tolerance * r) / Fisher(100, 900, 8, 3, Tolerance)
            * Fisher(300, 700, 11, 9, Tolerance * r) / Fisher(300, 700, 11, 9, Tolerance));
        Assert.Equal(Math.Log(expected), process.LogValue, 9);
    }

    [Theory]
    [InlineData(1.25, 1.0)]
    [InlineData(1.0, 0.0)]
    [InlineData(0.5, 0.0)]
    public void Add_OneLookUnderTheNull_HasExpectationAtMostOne(double oddsRatio, double exactlyOneAtTheEdge)
    {
        // The property that makes the product a test supermartingale: over the look's conditional law at any odds
        // ratio ψ ≤ 1.25 (the canary no worse than the primary, or within the tolerance), the mixture's factor
        // averages at most 1; exactly 1 at the edge.
        const long canary = 40, primary = 160, events = 12;
        var mean = 0.0;
        for (var x = 0L; x <= events; x++)
        {
            var process = new HarmEProcess();
            process.Add(canary, primary, x, events - x);
            mean += Fisher(canary, primary, events, x, oddsRatio) * Math.Exp(process.LogValue);
        }

        Assert.True(mean <= 1 + 1e-9, $"E[factor] = {mean} at ψ = {oddsRatio}");
        if (exactlyOneAtTheEdge > 0)
        {
            Assert.Equal(1.0, mean, 9);
        }
        else
        {
            Assert.True(mean < 0.99, $"E[factor] = {mean} at ψ = {oddsRatio}: strictly inside the null it is below 1");
        }
    }

    // ForRatios (the benchmark's oracle: one alternative, any edge) keeps the property on its own null: an edge of 1
    // with an alternative above it tests "ψ ≤ 1"; an alternative below the edge tests "ψ ≥ edge", the mirror image.
    [Theory]
    [InlineData(1.0, 4.0, 1.0, true)]
    [InlineData(1.0, 4.0, 0.5, false)]
    [InlineData(3.0, 0.25, 3.0, true)]
    [InlineData(3.0, 0.25, 6.0, false)]
    public void ForRatios_OneLookUnderItsNull_HasExpectationAtMostOne(double edge, double ratio, double oddsRatio, bool atTheEdge)
    {
        const long canary = 40, primary = 160, events = 12;
        var mean = 0.0;
        for (var x = 0L; x <= events; x++)
        {
            var process = HarmEProcess.ForRatios(edge, ratio);
            process.Add(canary, primary, x, events - x);
            Assert.Equal(Math.Log(Fisher(canary, primary, events, x, edge * ratio) / Fisher(canary, primary, events, x, edge)), process.LogValue, 9);
            mean += Fisher(canary, primary, events, x, oddsRatio) * Math.Exp(process.LogValue);
        }

        if (atTheEdge)
        {
            Assert.Equal(1.0, mean, 9);
        }
        else
        {
            Assert.True(mean < 0.99, $"E[factor] = {mean} at ψ = {oddsRatio}, inside the null of edge {edge}");
        }
    }

    [Theory]
    [InlineData(0.0, 2.0)]
    [InlineData(1.0, 1.0)]
    [InlineData(1.0, -2.0)]
    [InlineData(double.PositiveInfinity, 2.0)]
    public void ForRatios_InvalidEdgeOrRatio_IsRefused(double edge, double ratio)
    {
        Assert.Throws<ArgumentException>(() => HarmEProcess.ForRatios(edge, ratio));
    }

    [Fact]
    public void ForRatios_AlternativesOnBothSides_AreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => HarmEProcess.ForRatios(1.25, 0.5, 2));
        Assert.Contains("all on one side", error.Message, StringComparison.Ordinal);
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

    // Fisher's noncentral hypergeometric probability of x canary events among `events`, from its definition:
    // C(nc, x) C(np, F − x) ψ^x over the same summed across the support.
    private static double Fisher(long nc, long np, long events, long x, double psi)
    {
        double Weight(long y) => Math.Exp(SpecialFunctions.BinomialLn((int)nc, (int)y) + SpecialFunctions.BinomialLn((int)np, (int)(events - y)) + (y * Math.Log(psi)));
        var total = 0.0;
        for (var y = Math.Max(0, events - np); y <= Math.Min(events, nc); y++)
        {
            total += Weight(y);
        }

        return Weight(x) / total;
    }
}
