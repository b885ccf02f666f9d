using Linnet.Proxy.Streams;

namespace Linnet.Proxy.Tls;

/// <summary>The transport under an <see cref="System.Net.Security.SslStream"/> whose reads go through a
/// <see cref="TlsShutdownGate"/>; everything else passes straight to <paramref name="inner"/>, which it owns.</summary>
internal sealed class GatedStream(Stream inner, TlsShutdownGate gate) : DelegatingStream(inner, ownsInner: true)
{
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        gate.TransportReadAsync(Inner, buffer, cancellationToken);
}
