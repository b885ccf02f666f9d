using Linnet.Proxy.Mirroring;

namespace Linnet.Proxy.Tests.Resilience;

public sealed class MirroredRequestBodyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadAsync_PrimaryReadsTheBody_CopyGetsTheSameBytesThenItsEnd()
    {
        var data = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        await using var body = new MirroredRequestBody(new MemoryStream(data), 64 * 1024);
        var copy = new MemoryStream();
        var copying = body.MirrorStream.CopyToAsync(copy, Ct);

        var buffer = new byte[300];
        Assert.Equal(0, await body.ReadAsync(Memory<byte>.Empty, Ct));
        var read = new MemoryStream();
        int n;
        while ((n = await body.ReadAsync(buffer, Ct)) > 0)
        {
            read.Write(buffer, 0, n);
        }

        await copying;
        Assert.Equal(data, read.ToArray());
        Assert.Equal(data, copy.ToArray());
        Assert.False(body.Abandoned);
    }

    [Fact]
    public async Task ReadAsync_CopyNotReadBeyondTheBound_PrimaryGoesOnAndTheCopyFails()
    {
        var data = new byte[256 * 1024];
        await using var body = new MirroredRequestBody(new MemoryStream(data), 16 * 1024);

        // Nobody reads the copy: the primary must still read the whole body without waiting.
        var buffer = new byte[8 * 1024];
        long total = 0;
        int n;
        while ((n = await body.ReadAsync(buffer, Ct)) > 0)
        {
            total += n;
        }

        Assert.Equal(data.Length, total);
        Assert.True(body.Abandoned);
        await Assert.ThrowsAsync<IOException>(async () => await body.MirrorStream.CopyToAsync(Stream.Null, Ct));
    }

    [Fact]
    public async Task EndOfPrimary_BodyNotReadToItsEnd_CopyFailsRatherThanEndEarly()
    {
        await using var body = new MirroredRequestBody(new MemoryStream(new byte[10_000]), 64 * 1024);
        Assert.Equal(100, await body.ReadAsync(new byte[100], Ct));

        body.EndOfPrimary();

        Assert.True(body.Abandoned);
        await Assert.ThrowsAsync<IOException>(async () => await body.MirrorStream.CopyToAsync(Stream.Null, Ct));
    }
}
