namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>One label condition of a series selector, as PromQL writes it: <c>name="value"</c> or
/// <c>name!="value"</c> (an absent label has the value "").</summary>
public sealed record LabelMatcher(string Name, string Value, bool Equal = true)
{
    /// <summary>Whether <paramref name="labels"/> satisfy the condition.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return (labels.GetValueOrDefault(Name) ?? "") == Value == Equal;
    }
}
