namespace Linnet.ControlPlane.Core.Judge;

/// <summary>ln Γ(x) for x ≥ 1 by the Lanczos approximation (g = 7, nine coefficients; relative error
/// below 1e-13), which .NET does not provide and is not worth a numerics package in the core.</summary>
internal static class LogGamma
{
    private static readonly double[] Coefficients =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7,
    ];

    public static double Of(double x)
    {
        x -= 1;
        var sum = Coefficients[0];
        for (var i = 1; i < Coefficients.Length; i++)
        {
            sum += Coefficients[i] / (x + i);
        }

        var t = x + 7.5;
        return (0.5 * Math.Log(2 * Math.PI)) + ((x + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }

    /// <summary>ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b).</summary>
    public static double LogBeta(double a, double b) => Of(a) + Of(b) - Of(a + b);
}
