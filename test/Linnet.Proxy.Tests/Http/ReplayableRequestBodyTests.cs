using Linnet.Proxy.Http;
using Linnet.Proxy.Resilience;

namespace Linnet.Proxy.Tests.Http;

public sealed class ReplayableRequestBodyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadAsync_ZeroByteReadBeforeTheBody_IsNotTheEndOfIt()
    {
        // YARP waits for data with a zero-byte read before renting a buffer; a body that took it for the end
        // would replay an empty or partial copy on a retry.
        await using var body = new ReplayableRequestBody(new MemoryStream("hello"u8.ToArray()), 100);

        Assert.Equal(0, await body.ReadAsync(Memory<byte>.Empty, Ct));
        Assert.False(body.CanReplay);

        var buffer = new byte[16];
        Assert.Equal(5, await body.ReadAsync(buffer, Ct));
        Assert.Equal(0, await body.ReadAsync(buffer, Ct));
        Assert.True(body.CanReplay);
        body.Rewind();
        Assert.Equal(5, await body.ReadAsync(buffer, Ct));
        Assert.Equal("hello"u8.ToArray(), buffer[..5]);
    }
}
