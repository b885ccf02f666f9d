using Linnet.ControlPlane.Core.Judge;

namespace Linnet.ControlPlane.Core.Tests.Judge;

public sealed class JudgeOptionsTests
{
    [Fact]
    public void Defaults_AreFlaggersThresholdAnalysisAndValid()
    {
        var options = new JudgeOptions();

        Assert.Equal(JudgeKinds.Threshold, options.Kind);
        Assert.Equal(0.05, options.Alpha);
        Assert.Equal(0.99, options.LatencyQuantile);
        Assert.Equal(200, options.ResponsesForLatencyBound);
        Assert.Equal(30, options.UndecidedIntervals);
        Assert.Empty(options.Validate("spec.analysis"));
    }

    [Fact]
    public void Validate_EveryBadField_IsNamedWithItsReason()
    {
        var options = new JudgeOptions { Kind = "bayesian", Alpha = 0, SuccessRateMargin = -0.01, LatencyQuantile = 1, LatencyMargin = double.NaN, UndecidedIntervals = 0 };

        var errors = options.Validate("spec.analysis").Select(e => e.ToString()).ToArray();

        Assert.Equal(
            [
                "spec.analysis.judge: 'bayesian' is not one of: threshold, sequential",
                "spec.analysis.alpha: 0 is not between 0.001 and 0.2",
                "spec.analysis.successRateMargin: -0.01 is not above 0 and at most 0.5 (a fraction of requests: 0.01 is one point)",
                "spec.analysis.latencyQuantile: 1 is not between 0.5 and 0.999",
                "spec.analysis.latencyMargin: NaN is not above 0 and at most 0.5 (a fraction of responses: 0.01 is one point)",
                "spec.analysis.undecidedIntervals: 0 is not between 1 and 10000",
            ],
            errors);
    }
}
