using System.Collections.Concurrent;

namespace Linnet.Proxy.Telemetry;

/// <summary>The pre-rendered <c>tls</c> label part of a series, as Linkerd writes it.</summary>
internal static class TlsLabel
{
    /// <summary>Plaintext accepted from a peer that offered no identity.</summary>
    public const string InboundPlaintext = "tls=\"no_identity\",no_tls_reason=\"not_provided_by_remote\"";

    /// <summary>Plaintext sent because discovery named no identity for the target.</summary>
    public const string OutboundPlaintext = "tls=\"no_identity\",no_tls_reason=\"not_provided_by_service_discovery\"";

    // Rendered once per identity: the label is looked up on every request. Identities are few (one per
    // service account that talks to or is talked to by this proxy).
    private static readonly ConcurrentDictionary<string, string> Inbound = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string> Outbound = new(StringComparer.Ordinal);

    public static string Plaintext(Direction direction) =>
        direction == Direction.Inbound ? InboundPlaintext : OutboundPlaintext;

    /// <summary>A connection's label: inbound, by the client identity it proved (if any); outbound, plaintext
    /// (an outbound request's label depends on the endpoint it is sent to).</summary>
    public static string ForConnection(Direction direction, string? clientId) =>
        direction == Direction.Inbound ? ForClient(clientId) : OutboundPlaintext;

    /// <summary>Inbound over mTLS: <c>tls="true",client_id="…"</c>; plaintext when <paramref name="clientId"/> is null.</summary>
    public static string ForClient(string? clientId) =>
        clientId is null ? InboundPlaintext : Inbound.GetOrAdd(clientId, static id => $"tls=\"true\",client_id=\"{Escape(id)}\"");

    /// <summary>Outbound over mTLS: <c>tls="true",server_id="…"</c>; plaintext when <paramref name="serverId"/> is null.</summary>
    public static string ForServer(string? serverId) =>
        serverId is null ? OutboundPlaintext : Outbound.GetOrAdd(serverId, static id => $"tls=\"true\",server_id=\"{Escape(id)}\"");

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
