namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>The series of one metric whose labels satisfy every matcher (PromQL's <c>metric{a="x",b!="y"}</c>).</summary>
public sealed record SeriesSelector(string Metric, IReadOnlyList<LabelMatcher> Matchers)
{
    /// <summary>Whether a series of <see cref="Metric"/> with <paramref name="labels"/> is selected.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var matcher in Matchers)
        {
            if (!matcher.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }
}
