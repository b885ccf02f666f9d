using System.Buffers;
using System.Text;
using Linnet.Proxy.Detection;

namespace Linnet.Proxy.Tests.Detection;

public sealed class ProtocolDetectorTests
{
    private static DetectedProtocol Detect(string text, bool completed = false) =>
        ProtocolDetector.Detect(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), completed);

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("POST /x HTTP/1.1\r\nHost: a\r\n")]
    [InlineData("GET ")]
    [InlineData("CONNECT a:443 HTTP/1.1\r\n")]
    [InlineData("PURGE /cache HTTP/1.1\r\n")]
    [InlineData("PROPFIND /dav HTTP/1.0\n")]
    public void Detect_RequestLine_IsHttp1(string text) => Assert.Equal(DetectedProtocol.Http1, Detect(text));

    [Fact]
    public void Detect_FullPreface_IsHttp2() =>
        Assert.Equal(DetectedProtocol.Http2, Detect("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04"));

    [Theory]
    [InlineData("PRI * HTTP/2.0\r\n")]
    [InlineData("G")]
    [InlineData("GE")]
    [InlineData("PROPFIND /dav HTTP/1")]
    [InlineData("")]
    public void Detect_UndecidedPrefix_NeedsMore(string text) => Assert.Equal(DetectedProtocol.NeedMore, Detect(text));

    [Theory]
    [InlineData("220 smtp.example ESMTP\r\n")]
    [InlineData("\x16\x03\x01\x02\x00\x01")]
    [InlineData("HELLO WORLD\r\n")]
    [InlineData("*1\r\n$4\r\nPING\r\n")]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n")]
    [InlineData("GIMME /x\tHTTP/1.1")]
    public void Detect_OtherBytes_IsOpaque(string text) => Assert.Equal(DetectedProtocol.Opaque, Detect(text));

    [Theory]
    [InlineData("G")]
    [InlineData("PRI * HTTP/2")]
    [InlineData("")]
    public void Detect_PrefixThenEndOfStream_IsOpaque(string text) =>
        Assert.Equal(DetectedProtocol.Opaque, Detect(text, completed: true));

    [Fact]
    public void Detect_LongTokenWithoutSpace_IsOpaqueAtLimit()
    {
        Assert.Equal(DetectedProtocol.NeedMore, Detect(new string('X', ProtocolDetector.MaxRequestLine - 1)));
        Assert.Equal(DetectedProtocol.Opaque, Detect(new string('X', ProtocolDetector.MaxRequestLine)));
    }

    [Fact]
    public void Detect_TargetWithSpace_IsHttp1SoKestrelRejectsIt() =>
        Assert.Equal(DetectedProtocol.Http1, Detect("PROPFIND /a b HTTP/1.1\r\n"));

    [Fact]
    public void Detect_RequestLineSplitAcrossSegments_IsHttp1()
    {
        var first = new Segment(Encoding.ASCII.GetBytes("PROPFIND /a HT"));
        var last = first.Append(Encoding.ASCII.GetBytes("TP/1.1\r\n"));
        Assert.Equal(DetectedProtocol.Http1, ProtocolDetector.Detect(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length), false));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data)
        {
            Memory = data;
        }

        public Segment Append(byte[] data)
        {
            var next = new Segment(data) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
