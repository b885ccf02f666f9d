using System.Security.Authentication;

namespace Linnet.Proxy.Tls;

/// <summary>A mesh TLS handshake failed; the message says why in words fit for <c>l5d-proxy-error</c>
/// (the peer's identity, or why its certificate was refused).</summary>
internal sealed class MeshTlsException : AuthenticationException
{
    /// <summary>Creates the exception.</summary>
    public MeshTlsException()
    {
    }

    /// <summary>Creates the exception with its reason.</summary>
    public MeshTlsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its reason and cause.</summary>
    public MeshTlsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
