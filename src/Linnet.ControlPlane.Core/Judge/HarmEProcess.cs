namespace Linnet.ControlPlane.Core.Judge;

/// <summary>An anytime-valid test of "the canary's odds of an event are at most <see cref="Tolerance"/> times
/// the primary's" (which holds for every canary no worse than the primary), from the events of each look.
/// Given a look's trials on each side (n_c, n_p) and its total events F, the canary's share of the events
/// follows Fisher's noncentral hypergeometric distribution with the odds ratio ψ:
/// P_ψ(x) = C(n_c, x) C(n_p, F − x) ψ^x / Z(ψ). For an alternative ψ1 above the tolerance ψ0 the factor
/// P_ψ1(x) / P_ψ0(x) = (ψ1/ψ0)^x Z(ψ0) / Z(ψ1) has expectation exactly 1 at ψ0 and, rising in x while the
/// family's likelihood ratio is monotone, at most 1 for every ψ ≤ ψ0. Products over looks are test
/// supermartingales, and so is their average over a fixed grid of alternatives: by Ville's inequality the
/// mixture ever reaching 1/a has probability at most a. The tolerance makes the test exact rather than
/// bounded (an A/A canary sits strictly inside the null, not on its edge), which is what keeps false
/// rollbacks far below α; a canary within the tolerance is the margin test's to promote. See
/// docs/canary-judge.md.</summary>
internal sealed class HarmEProcess
{
    /// <summary>The null's edge, as an odds ratio: odds up to a quarter higher on the canary are not harm the
    /// rollback test looks for (for rare events, a quarter higher rate: 0.5 % against 0.4 %).</summary>
    internal const double Tolerance = 1.25;

    /// <summary>The alternatives mixed, as multiples of <see cref="Tolerance"/>: from a quarter above it to 21
    /// times it, so both small regressions (found with much data) and gross ones (found at once) are covered.</summary>
    internal static readonly double[] RateRatios = [1.25, 1.5, 2, 3, 5, 8, 13, 21];

    private readonly double _edge = Tolerance;
    private readonly double[] _ratios = RateRatios;
    private readonly double[] _logProducts = new double[RateRatios.Length];

    public HarmEProcess()
    {
    }

    private HarmEProcess(double edge, double[] ratios)
    {
        _edge = edge;
        _ratios = ratios;
        _logProducts = new double[ratios.Length];
    }

    /// <summary>The same construction with another null edge (an odds ratio) and other alternatives (multiples
    /// of the edge): with one alternative, the sequential probability-ratio test of that effect, which the
    /// benchmark runs as the oracle that knows the true effect (the fastest valid test there is for it).
    /// Alternatives above 1 test "odds ratio ≤ edge" as the judge's rollback does; alternatives below 1 test
    /// "odds ratio ≥ edge" (each factor then falls in x, so a larger ψ makes its expectation smaller: the same
    /// argument mirrored), which is how a promotion test that knew the effect would look. Not mixed.</summary>
    internal static HarmEProcess ForRatios(double edge, params double[] ratios)
    {
        ArgumentNullException.ThrowIfNull(ratios);
        if (!(edge > 0) || double.IsInfinity(edge) || ratios.Length == 0
            || ratios.Any(r => !(r > 0) || r == 1 || double.IsInfinity(r)) || (ratios.Any(r => r > 1) && ratios.Any(r => r < 1)))
        {
            throw new ArgumentException("the edge must be a finite positive odds ratio, and the rate ratios finite, positive, not 1, and all on one side of it");
        }

        return new HarmEProcess(edge, [.. ratios]);
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

        // With no events, or with only one side observed, the conditional law has one point: every factor is 1.
        if (events == 0 || canaryTrials == 0 || primaryTrials == 0)
        {
            return;
        }

        // ln C(n_c, x) + ln C(n_p, F − x) over the support of x, shared by every ψ.
        var lowest = Math.Max(0, events - primaryTrials);
        var highest = Math.Min(events, canaryTrials);
        var terms = new double[highest - lowest + 1];
        for (var x = lowest; x <= highest; x++)
        {
            terms[x - lowest] = LogChoose(canaryTrials, x) + LogChoose(primaryTrials, events - x);
        }

        var logZ0 = LogNormalizer(terms, lowest, Math.Log(_edge));
        for (var i = 0; i < _ratios.Length; i++)
        {
            var logRatio = Math.Log(_ratios[i]);
            _logProducts[i] += (canaryEvents * logRatio) + logZ0 - LogNormalizer(terms, lowest, Math.Log(_edge) + logRatio);
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

    // ln Z(ψ) = ln Σ_x exp(terms[x] + x ln ψ), summed from the largest term down so nothing overflows.
    private static double LogNormalizer(double[] terms, long lowest, double logPsi)
    {
        var max = double.NegativeInfinity;
        for (var i = 0; i < terms.Length; i++)
        {
            max = Math.Max(max, terms[i] + ((lowest + i) * logPsi));
        }

        var sum = 0.0;
        for (var i = 0; i < terms.Length; i++)
        {
            sum += Math.Exp(terms[i] + ((lowest + i) * logPsi) - max);
        }

        return max + Math.Log(sum);
    }

    private static double LogChoose(long n, long k) => LogGamma.Of(n + 1) - LogGamma.Of(k + 1) - LogGamma.Of(n - k + 1);
}
