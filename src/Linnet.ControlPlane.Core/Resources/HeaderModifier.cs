namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Gateway API <c>HTTPHeaderFilter</c>: headers to set, add and remove.</summary>
public sealed record HeaderModifier(IReadOnlyList<HeaderValue> Set, IReadOnlyList<HeaderValue> Add, IReadOnlyList<string> Remove)
{
    /// <inheritdoc />
    public bool Equals(HeaderModifier? other) =>
        other is not null && Set.SequenceEqual(other.Set) && Add.SequenceEqual(other.Add) && Remove.SequenceEqual(other.Remove);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Set.Count, Add.Count, Remove.Count);
}
