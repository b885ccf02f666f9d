using System.Security.Cryptography;
using System.Text;
using Linnet.ControlPlane.Core.Rollouts;

namespace Linnet.ControlPlane.Core.Tests.Rollouts;

/// <summary>The <c>es256</c> webhook signature: bound to method, host, path, body and time; its nonce accepted once.</summary>
public sealed class WebhookSignatureTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] SharedKey = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"name\":\"podinfo\",\"namespace\":\"test\"}");
    private static readonly WebhookRequestLine Line = WebhookRequestLine.For("POST", new Uri("http://flagger-loadtester.test/gate/open?x=1"));

    [Fact]
    public void For_DefaultAndOtherPort_AuthorityAsHttpClientSendsIt()
    {
        Assert.Equal(new WebhookRequestLine("POST", "flagger-loadtester.test", "/gate/open?x=1"), Line);
        Assert.Equal("127.0.0.1:8080", WebhookRequestLine.For("POST", new Uri("http://127.0.0.1:8080/")).Authority);
    }

    [Fact]
    public void VerifyRequest_SignedRequest_ValidWithItsNonceAndTime()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var header = WebhookSignature.SignRequest(SharedKey, key, Line, Body, Now, "00112233445566778899aabbccddeeff");

        var check = WebhookSignature.VerifyRequest(key, Line, Body, header, Now.AddSeconds(30));

        Assert.True(check.Valid, check.Reason);
        Assert.Equal("00112233445566778899aabbccddeeff", check.Nonce);
        Assert.Equal(Now, check.SignedAt);
        // The v1 part still serves receivers that hold the shared key.
        Assert.True(WebhookSignature.Verify(SharedKey, Body, header, Now));
    }

    public static TheoryData<string> Alterations => ["method", "host", "path", "body", "nonce", "time", "key"];

    [Theory]
    [MemberData(nameof(Alterations))]
    public void VerifyRequest_AnyPartAltered_Refused(string part)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var header = WebhookSignature.SignRequest(SharedKey, key, Line, Body, Now, "00112233445566778899aabbccddeeff");
        var (line, body, verifier) = (Line, Body, key);
        switch (part)
        {
            case "method": line = line with { Method = "PUT" }; break;
            case "host": line = line with { Authority = "other-loadtester.test" }; break;
            case "path": line = line with { PathAndQuery = "/rollback/open?x=1" }; break;
            case "body": body = Encoding.UTF8.GetBytes("{\"name\":\"podinfo\",\"namespace\":\"prod\"}"); break;
            case "nonce": header = header.Replace("n=00112233445566778899aabbccddeeff", "n=ffeeddccbbaa99887766554433221100", StringComparison.Ordinal); break;
            case "time": header = header.Replace($"t={Now.ToUnixTimeSeconds()}", $"t={Now.ToUnixTimeSeconds() + 1}", StringComparison.Ordinal); break;
            default: verifier = other; break;
        }

        Assert.False(WebhookSignature.VerifyRequest(verifier, line, body, header, Now).Valid);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("t=1,v1=00")]
    [InlineData("t=x,n=00112233445566778899aabbccddeeff,es256=AA")]
    [InlineData("t=1796385600,n=short,es256=AA")]
    [InlineData("t=1796385600,n=00112233445566778899aabbccddeeff,es256=!!")]
    public void VerifyRequest_MissingOrMalformed_RefusedWithAReason(string? header)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var check = WebhookSignature.VerifyRequest(key, Line, Body, header, Now);

        Assert.False(check.Valid);
        Assert.NotEmpty(check.Reason);
    }

    [Fact]
    public void VerifyRequest_JustOutsideTheFiveMinuteWindow_RefusedAsStale()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var header = WebhookSignature.SignRequest(SharedKey, key, Line, Body, Now, WebhookSignature.NewNonce());

        Assert.True(WebhookSignature.VerifyRequest(key, Line, Body, header, Now.AddMinutes(5)).Valid);
        Assert.Contains("minutes", WebhookSignature.VerifyRequest(key, Line, Body, header, Now.AddMinutes(5).AddSeconds(1)).Reason, StringComparison.Ordinal);
        Assert.False(WebhookSignature.VerifyRequest(key, Line, Body, header, Now.AddMinutes(-5).AddSeconds(-1)).Valid);
    }

    [Fact]
    public void TryAccept_SameNonceTwice_SecondRefusedOthersAccepted()
    {
        var guard = new WebhookReplayGuard();

        Assert.True(guard.TryAccept("aa", Now, Now));
        Assert.False(guard.TryAccept("aa", Now, Now.AddMinutes(4)));
        Assert.True(guard.TryAccept("bb", Now, Now));
    }
}
