namespace Linnet.Proxy.Configuration;

/// <summary>Where a rule may send a request: the <see cref="ServiceConfig.Key"/> of a service in the same
/// snapshot, and its relative share (0: never chosen), with the header changes that apply only when this backend is
/// chosen (Gateway API per-backendRef filters), after the rule's own.</summary>
internal sealed record RouteBackendConfig(string ServiceKey, int Weight = 1)
{
    /// <summary>Changes to the headers of requests sent to this backend; null: none.</summary>
    public HeaderModifierConfig? RequestHeaders { get; init; }

    /// <summary>Changes to the headers of this backend's responses; null: none.</summary>
    public HeaderModifierConfig? ResponseHeaders { get; init; }
}
