namespace Linnet.Proxy.Telemetry;

/// <summary>The pre-rendered <c>tls</c> label part of a series, as Linkerd writes it.</summary>
internal static class TlsLabel
{
    /// <summary>Plaintext accepted from a peer that offered no identity.</summary>
    public const string InboundPlaintext = "tls=\"no_identity\",no_tls_reason=\"not_provided_by_remote\"";

    /// <summary>Plaintext sent because discovery named no identity for the target.</summary>
    public const string OutboundPlaintext = "tls=\"no_identity\",no_tls_reason=\"not_provided_by_service_discovery\"";

    public static string Plaintext(Direction direction) =>
        direction == Direction.Inbound ? InboundPlaintext : OutboundPlaintext;
}
