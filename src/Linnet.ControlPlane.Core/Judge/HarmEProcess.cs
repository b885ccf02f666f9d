namespace Linnet.ControlPlane.Core.Judge;

/// <summary>An anytime-valid test of "the canary's event rate is no higher than the primary's", from the
/// events of each look. Given a look's trials on each side and its total events F, under the null each
/// event falls on the canary with probability at most π = n_canary / (n_canary + n_primary) (exactly π,
/// hypergeometrically, when the rates are equal). For a rate ratio r the factor
/// r^x / (1 − π + π r)^F is the likelihood ratio of Binomial(F, π') against Binomial(F, π), with
/// π' = rπ / (rπ + 1 − π); its expectation is at most 1 under the null (the hypergeometric is below the
/// binomial in convex order, Hoeffding 1963, and a lower canary rate only lowers it). Products over looks
/// are test supermartingales, and so is their average over a fixed grid of r: by Ville's inequality the
/// mixture ever reaching 1/a has probability at most a. See docs/canary-judge.md.</summary>
internal sealed class HarmEProcess
{
    /// <summary>The alternatives mixed, as canary/primary rate ratios: from a quarter worse to 21 times
    /// worse, so both small regressions (found with much data) and gross ones (found at once) are covered.</summary>
    internal static readonly double[] RateRatios = [1.25, 1.5, 2, 3, 5, 8, 13, 21];

    private readonly double[] _logProducts = new double[RateRatios.Length];

    public HarmEProcess()
    {
    }

    /// <summary>Resumes from <see cref="LogProducts"/> as they were stored.</summary>
    public HarmEProcess(IReadOnlyList<double> logProducts)
    {
        ArgumentNullException.ThrowIfNull(logProducts);
        if (logProducts.Count != RateRatios.Length || logProducts.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException($"expected {RateRatios.Length} finite log-products, one per rate ratio", nameof(logProducts));
        }

        for (var i = 0; i < _logProducts.Length; i++)
        {
            _logProducts[i] = logProducts[i];
        }
    }

    /// <summary>The log of each alternative's product so far: all the state the test needs to resume.</summary>
    public IReadOnlyList<double> LogProducts => [.. _logProducts];

    /// <summary>Adds one look's increments.</summary>
    public void Add(long canaryTrials, long primaryTrials, long canaryEvents, long primaryEvents)
    {
        var events = canaryEvents + primaryEvents;

        // With no events, or with only one side observed, every factor is exactly 1: nothing is learned.
        if (events == 0 || canaryTrials == 0 || primaryTrials == 0)
        {
            return;
        }

        var share = (double)canaryTrials / (canaryTrials + primaryTrials);
        for (var i = 0; i < RateRatios.Length; i++)
        {
            var r = RateRatios[i];
            _logProducts[i] += (canaryEvents * Math.Log(r)) - (events * Math.Log(1 - share + (share * r)));
        }
    }

    /// <summary>The natural logarithm of the mixture's current value.</summary>
    public double LogValue
    {
        get
        {
            var max = double.NegativeInfinity;
            foreach (var value in _logProducts)
            {
                max = Math.Max(max, value);
            }

            var sum = 0.0;
            foreach (var value in _logProducts)
            {
                sum += Math.Exp(value - max);
            }

            return max + Math.Log(sum / _logProducts.Length);
        }
    }
}
