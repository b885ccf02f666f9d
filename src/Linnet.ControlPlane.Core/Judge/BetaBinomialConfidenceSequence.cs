namespace Linnet.ControlPlane.Core.Judge;

/// <summary>Robbins' beta-binomial confidence sequence for a Bernoulli rate (Howard, Ramdas, McAuliffe,
/// Sekhon 2021, §3): with a uniform prior, M_n(p) = B(1 + S, 1 + n − S) / (p^S (1 − p)^(n − S)) is a
/// nonnegative martingale with mean 1 when p is the true rate, so {p : M_n(p) &lt; 1/a} contains it at
/// every n at once with probability at least 1 − a (Ville's inequality).</summary>
internal static class BetaBinomialConfidenceSequence
{
    /// <summary>log M_n(p) for <paramref name="events"/> of <paramref name="trials"/>.</summary>
    public static double LogMartingale(long events, long trials, double p) =>
        LogGamma.LogBeta(1 + events, 1 + trials - events) - LogLikelihood(events, trials, p);

    /// <summary>The interval {p : M_n(p) &lt; 1/a}; [0, 1] before any trial.</summary>
    public static (double Lower, double Upper) Interval(long events, long trials, double a)
    {
        if (trials == 0)
        {
            return (0, 1);
        }

        // log M_n is convex in p with its minimum (≤ 0) at the observed rate, so each end is found by bisection.
        // M_n(p) ≥ 1/a  ⇔  −log-likelihood(p) ≥ ln(1/a) − ln B(1 + S, 1 + n − S).
        var threshold = Math.Log(1 / a) - LogGamma.LogBeta(1 + events, 1 + trials - events);
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
