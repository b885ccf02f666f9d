using System.Text;

namespace Linnet.Proxy.Detection;

/// <summary>The header fields that belong to one connection and are never forwarded: the one list the request
/// and response paths and the mirror all use (RFC 9110 §7.6.1; RFC 9113 §8.2.2).</summary>
internal static class HopByHopFields
{
    // Connection-specific in HTTP/1.1 and refused in HTTP/2 alike (RFC 9113 §8.2.2 names exactly these).
    private static readonly string[] ConnectionSpecific = ["Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade"];

    private const string Te = "TE";

    /// <summary>Never on any hop. <c>TE</c> is not among them: HTTP/2 carries <c>TE: trailers</c> end to end (gRPC
    /// needs it).</summary>
    public static bool IsConnectionSpecific(ReadOnlySpan<char> name)
    {
        foreach (var field in ConnectionSpecific)
        {
            if (field.Length == name.Length && Ascii.EqualsIgnoreCase(name, field))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Not forwarded on an HTTP/1.1 hop: the connection-specific fields and <c>TE</c>.</summary>
    public static bool IsHopByHop(ReadOnlySpan<char> name) =>
        (name.Length == Te.Length && Ascii.EqualsIgnoreCase(name, Te)) || IsConnectionSpecific(name);

    /// <summary><see cref="IsHopByHop(ReadOnlySpan{char})"/> for a field name as read off the wire.</summary>
    public static bool IsHopByHop(ReadOnlySpan<byte> name)
    {
        if (name.Length == Te.Length && Ascii.EqualsIgnoreCase(name, Te))
        {
            return true;
        }

        foreach (var field in ConnectionSpecific)
        {
            if (field.Length == name.Length && Ascii.EqualsIgnoreCase(name, field))
            {
                return true;
            }
        }

        return false;
    }
}
