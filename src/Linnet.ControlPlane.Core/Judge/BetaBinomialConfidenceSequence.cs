namespace Linnet.ControlPlane.Core.Judge;

/// <summary>Robbins' beta-binomial confidence sequence for a Bernoulli rate (Howard, Ramdas, McAuliffe,
/// Sekhon 2021, §3), mixed over four priors Beta(1, b): M_n(p) = Σ ¼ B(1 + S, b + n − S) / B(1, b) / (p^S (1 − p)^(n − S))
/// is a nonnegative martingale with mean 1 when p is the true rate, so {p : M_n(p) &lt; 1/a} contains it at
/// every n at once with probability at least 1 − a (Ville's inequality). See docs/canary-judge.md.</summary>
internal static class BetaBinomialConfidenceSequence
{
    // The mixing priors Beta(1, b): a uniform one and three whose mass sits near rates of about 10 %, 1 % and
    // 0.1 %, each with weight ¼. A mixture of martingales with mean 1 is one; it pays ln 4 for not knowing the
    // rate's order of magnitude and gains the log of the prior's density there (a 0.5 % rate: ln 60 under
    // Beta(1, 100) against ln 1 under the uniform).
    private static readonly double[] PriorB = [1, 10, 100, 1000];

    /// <summary>log M_n(p) for <paramref name="events"/> of <paramref name="trials"/>.</summary>
    public static double LogMartingale(long events, long trials, double p) =>
        LogMixture(events, trials) - LogLikelihood(events, trials, p);

    // log Σ_k ¼ · B(1 + S, b_k + n − S) / B(1, b_k): the mixture's marginal likelihood of the data.
    private static double LogMixture(long events, long trials)
    {
        Span<double> terms = stackalloc double[PriorB.Length];
        var max = double.NegativeInfinity;
        for (var k = 0; k < PriorB.Length; k++)
        {
            terms[k] = LogGamma.LogBeta(1 + events, PriorB[k] + trials - events) - LogGamma.LogBeta(1, PriorB[k]) - Math.Log(PriorB.Length);
            max = Math.Max(max, terms[k]);
        }

        var sum = 0.0;
        foreach (var term in terms)
        {
            sum += Math.Exp(term - max);
        }

        return max + Math.Log(sum);
    }

    /// <summary>The interval {p : M_n(p) &lt; 1/a}; [0, 1] before any trial.</summary>
    public static (double Lower, double Upper) Interval(long events, long trials, double a)
    {
        if (trials == 0)
        {
            return (0, 1);
        }

        // log M_n is convex in p with its minimum (≤ 0) at the observed rate, so each end is found by bisection.
        // M_n(p) ≥ 1/a  ⇔  −log-likelihood(p) ≥ ln(1/a) − ln(the mixture's marginal likelihood).
        var threshold = Math.Log(1 / a) - LogMixture(events, trials);
        var rate = (double)events / trials;
        var lower = events == 0 ? 0 : Bisect(events, trials, threshold, outside: 0, inside: rate);
        var upper = events == trials ? 1 : Bisect(events, trials, threshold, outside: 1, inside: rate);
        return (lower, upper);
    }

    private static double LogLikelihood(long events, long trials, double p) =>
        (events == 0 ? 0 : events * Math.Log(p)) + (trials == events ? 0 : (trials - events) * Math.Log(1 - p));

    private static double Bisect(long events, long trials, double threshold, double outside, double inside)
    {
        // 52 halvings take [0, 1] below a double's resolution near the answer.
        for (var i = 0; i < 52; i++)
        {
            var middle = (outside + inside) / 2;
            if (-LogLikelihood(events, trials, middle) >= threshold)
            {
                outside = middle;
            }
            else
            {
                inside = middle;
            }
        }

        // The boundary of the set, rounded outwards so the interval never claims more than it shows.
        return outside;
    }
}
