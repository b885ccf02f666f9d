namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A Kubernetes label selector (<c>matchLabels</c> and <c>matchExpressions</c>, ANDed). Unlike a
/// Service's selector, an empty one selects every instance, as Kubernetes' and Linkerd's do.</summary>
public sealed record LabelSelector(IReadOnlyDictionary<string, string> MatchLabels, IReadOnlyList<LabelSelectorRequirement> MatchExpressions)
{
    /// <summary>The operators a requirement may use.</summary>
    public static readonly IReadOnlyList<string> Operators = ["In", "NotIn", "Exists", "DoesNotExist"];

    /// <summary>Selects everything.</summary>
    public static LabelSelector Everything { get; } = new(new Dictionary<string, string>(), []);

    /// <summary>True when <paramref name="labels"/> satisfy every label and every expression.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        foreach (var (key, value) in MatchLabels)
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        foreach (var requirement in MatchExpressions)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public bool Equals(LabelSelector? other) =>
        other is not null && DictionaryEquality.Equal(MatchLabels, other.MatchLabels) && MatchExpressions.SequenceEqual(other.MatchExpressions);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(MatchLabels.Count, MatchExpressions.Count);
}
