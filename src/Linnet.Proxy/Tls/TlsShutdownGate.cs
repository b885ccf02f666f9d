using System.Net.Security;

namespace Linnet.Proxy.Tls;

/// <summary>Keeps a TLS <c>close_notify</c> (<see cref="SslStream.ShutdownAsync"/>) from running while the same
/// <see cref="SslStream"/> is processing received records. On Linux both end in one OpenSSL <c>SSL</c> object,
/// which is not safe for <c>SSL_shutdown</c> concurrent with <c>SSL_read</c>: a shutdown that meets the read of a
/// post-handshake message (the server's TLS 1.3 NewSessionTicket, read just as a short exchange half-closes)
/// fails with "shutdown while in init", and the relay then resets a connection that had done nothing wrong.
/// A relay reads through <see cref="ReadAsync"/> and half-closes through <see cref="ShutdownAsync"/>; the gate
/// is held while the TLS layer works and released while it waits for bytes (<see cref="Wrap"/> puts that hook
/// under the TLS layer), so a half-close waits at most for one record to be processed.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A SemaphoreSlim allocates nothing to dispose unless its AvailableWaitHandle is used, which it never is here.")]
internal sealed class TlsShutdownGate
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private volatile bool _readerInside;

    /// <summary>The stream to build the <see cref="SslStream"/> on: <paramref name="inner"/>, releasing the gate
    /// while a gated read waits for bytes.</summary>
    public Stream Wrap(Stream inner) => new GatedStream(inner, this);

    /// <summary>Reads decrypted bytes; the TLS layer's processing runs inside the gate.</summary>
    public async ValueTask<int> ReadAsync(SslStream tls, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tls);
        await _lock.WaitAsync(cancellationToken);
        _readerInside = true;
        try
        {
            return await tls.ReadAsync(buffer, cancellationToken);
        }
        finally
        {
            _readerInside = false;
            _lock.Release();
        }
    }

    /// <summary>Sends <c>close_notify</c> once no received record is being processed.</summary>
    public async Task ShutdownAsync(SslStream tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        await _lock.WaitAsync();
        try
        {
            await tls.ShutdownAsync();
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The TLS layer asks its transport for bytes: from inside a gated read, the gate is open while
    /// it waits and closed again before the bytes are handed up to be processed. Outside one (the handshake),
    /// a plain read.</summary>
    internal async ValueTask<int> TransportReadAsync(Stream inner, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (!_readerInside)
        {
            return await inner.ReadAsync(buffer, cancellationToken);
        }

        _lock.Release();
        try
        {
            return await inner.ReadAsync(buffer, cancellationToken);
        }
        finally
        {
            await _lock.WaitAsync(CancellationToken.None);
        }
    }
}
