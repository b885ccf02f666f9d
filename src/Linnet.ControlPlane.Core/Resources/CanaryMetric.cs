namespace Linnet.ControlPlane.Core.Resources;

/// <summary>One of Flagger's <c>analysis.metrics</c>: a built-in check (<c>request-success-rate</c> in percent,
/// <c>request-duration</c> as the p99 in milliseconds) over <see cref="Interval"/>, held against its range.</summary>
public sealed record CanaryMetric(string Name, TimeSpan Interval, double? Min, double? Max)
{
    /// <summary>Flagger's built-in success rate (percent of non-failure responses).</summary>
    public const string RequestSuccessRate = "request-success-rate";

    /// <summary>Flagger's built-in duration (p99 of response latency, milliseconds).</summary>
    public const string RequestDuration = "request-duration";

    /// <summary>The built-in names.</summary>
    public static IReadOnlyList<string> BuiltIn { get; } = [RequestSuccessRate, RequestDuration];

    /// <summary>The MetricTemplate (namespace, name) whose query this metric runs; null for a built-in.</summary>
    public ResourceKey? TemplateRef { get; init; }

    /// <summary>Flagger's <c>templateVariables</c>: <c>{{ variables.KEY }}</c> in the template's query.</summary>
    public IReadOnlyDictionary<string, string> TemplateVariables { get; init; } = new Dictionary<string, string>();

    /// <inheritdoc />
    public bool Equals(CanaryMetric? other) =>
        other is not null && Name == other.Name && Interval == other.Interval && Min == other.Min && Max == other.Max
        && TemplateRef == other.TemplateRef && DictionaryEquality.Equal(TemplateVariables, other.TemplateVariables);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Interval, Min, Max);
}
