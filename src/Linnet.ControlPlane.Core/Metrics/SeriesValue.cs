namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>One group of an aggregation: the values of its group-by labels and the aggregated value.</summary>
public sealed record SeriesValue(IReadOnlyDictionary<string, string> Labels, double Value)
{
    /// <summary>The value of group-by label <paramref name="name"/> ("" when absent).</summary>
    public string Label(string name) => Labels.GetValueOrDefault(name) ?? "";
}
