using Linnet.Api.Policy;

namespace Linnet.Proxy.Tests.Configuration;

/// <summary>The rules both the control plane and the proxy read traffic policy with (Linnet.Api.Policy), against
/// their specifications: GEP-2257's test vectors for durations, linkerd2's policy controller for annotation
/// durations, grpc/doc/statuscodes.md for gRPC codes.</summary>
public sealed class PolicyRulesTests
{
    // GEP-2257, "Test Vectors / Parsing": input, canonical form, hours, minutes, seconds, milliseconds.
    [Theory]
    [InlineData("0h", "0s", 0, 0, 0, 0)]
    [InlineData("0s", "0s", 0, 0, 0, 0)]
    [InlineData("0h0m0s", "0s", 0, 0, 0, 0)]
    [InlineData("1h", "1h", 1, 0, 0, 0)]
    [InlineData("30m", "30m", 0, 30, 0, 0)]
    [InlineData("10s", "10s", 0, 0, 10, 0)]
    [InlineData("500ms", "500ms", 0, 0, 0, 500)]
    [InlineData("2h30m", "2h30m", 2, 30, 0, 0)]
    [InlineData("150m", "2h30m", 2, 30, 0, 0)]
    [InlineData("7230s", "2h30s", 2, 0, 30, 0)]
    [InlineData("1h30m10s", "1h30m10s", 1, 30, 10, 0)]
    [InlineData("10s30m1h", "1h30m10s", 1, 30, 10, 0)]
    [InlineData("100ms200ms300ms", "600ms", 0, 0, 0, 600)]
    [InlineData("01h", "1h", 1, 0, 0, 0)]
    [InlineData("00060m", "1h", 1, 0, 0, 0)]
    public void GatewayDuration_SpecificationVector_ParsesAndFormatsCanonically(string input, string canonical, int hours, int minutes, int seconds, int milliseconds)
    {
        Assert.True(GatewayDuration.TryParse(input, out var value));

        Assert.Equal(new TimeSpan(0, hours, minutes, seconds, milliseconds), value);
        Assert.Equal(canonical, GatewayDuration.Format(value));
    }

    // GEP-2257, "Invalid GEP-2257 Duration strings", and the regex's other exclusions (empty, spaces, case).
    [Theory]
    [InlineData("1")]
    [InlineData("1m1")]
    [InlineData("1d")]
    [InlineData("1h30m10s20ms50h")]
    [InlineData("999999h")]
    [InlineData("1.5h")]
    [InlineData("-15m")]
    [InlineData("")]
    [InlineData(" 1s")]
    [InlineData("1S")]
    [InlineData("1us")]
    public void GatewayDuration_InvalidVector_Refused(string input) => Assert.False(GatewayDuration.TryParse(input, out _));

    // GEP-2257, "Test Vectors / Formatting".
    [Theory]
    [InlineData(0, 0, 0, 0, "0s")]
    [InlineData(2, 0, 0, 600, "2h600ms")]
    [InlineData(2, 30, 0, 600, "2h30m600ms")]
    [InlineData(2, 30, 10, 600, "2h30m10s600ms")]
    [InlineData(0, 0, 0, 600, "600ms")]
    [InlineData(240, 0, 0, 0, "240h")]
    public void GatewayDuration_Format_StandardForm(int hours, int minutes, int seconds, int milliseconds, string expected) =>
        Assert.Equal(expected, GatewayDuration.Format(TimeSpan.FromHours(hours) + TimeSpan.FromMinutes(minutes) + TimeSpan.FromSeconds(seconds) + TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void GatewayDuration_Format_FractionsOfLargerUnits()
    {
        Assert.Equal("30s", GatewayDuration.Format(TimeSpan.FromMinutes(0.5)));
        Assert.Equal("500ms", GatewayDuration.Format(TimeSpan.FromSeconds(0.5)));
    }

    // GEP-2257, "Invalid durations" for formatting: sub-millisecond, more than 99999 hours, negative.
    [Fact]
    public void GatewayDuration_Format_OutOfTheFormat_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GatewayDuration.Format(TimeSpan.FromMicroseconds(100)));
        Assert.Throws<ArgumentOutOfRangeException>(() => GatewayDuration.Format(TimeSpan.FromMicroseconds(500)));
        Assert.Throws<ArgumentOutOfRangeException>(() => GatewayDuration.Format(TimeSpan.FromDays(10_000)));
        Assert.Throws<ArgumentOutOfRangeException>(() => GatewayDuration.Format(TimeSpan.FromMinutes(-15)));
    }

    // linkerd2 policy-controller's parse_duration: one whole number and ms, s, m, h or d; a bare 0; spaces trimmed;
    // and GEP-2257's forms, as every other policy duration.
    [Theory]
    [InlineData("300ms", 300)]
    [InlineData("5s", 5_000)]
    [InlineData("1m", 60_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("0", 0)]
    [InlineData("0s", 0)]
    [InlineData(" 10s ", 10_000)]
    [InlineData("1m30s", 90_000)]
    public void LinkerdDuration_AcceptedByLinkerdOrGep2257_Parses(string input, long milliseconds)
    {
        Assert.True(LinkerdDuration.TryParse(input, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("1.5s")]
    [InlineData("-1s")]
    [InlineData("10S")]
    [InlineData("soon")]
    [InlineData("")]
    public void LinkerdDuration_RefusedByBoth_Refused(string input) => Assert.False(LinkerdDuration.TryParse(input, out _));

    // grpc/doc/statuscodes.md: every failure code by its name and number.
    [Theory]
    [InlineData("CANCELLED", 1)]
    [InlineData("UNKNOWN", 2)]
    [InlineData("INVALID_ARGUMENT", 3)]
    [InlineData("DEADLINE_EXCEEDED", 4)]
    [InlineData("NOT_FOUND", 5)]
    [InlineData("ALREADY_EXISTS", 6)]
    [InlineData("PERMISSION_DENIED", 7)]
    [InlineData("RESOURCE_EXHAUSTED", 8)]
    [InlineData("FAILED_PRECONDITION", 9)]
    [InlineData("ABORTED", 10)]
    [InlineData("OUT_OF_RANGE", 11)]
    [InlineData("UNIMPLEMENTED", 12)]
    [InlineData("INTERNAL", 13)]
    [InlineData("UNAVAILABLE", 14)]
    [InlineData("DATA_LOSS", 15)]
    [InlineData("UNAUTHENTICATED", 16)]
    public void GrpcStatusCodes_SpecificationName_ParsesAsNameNumberAndLinkerdSpelling(string name, int code)
    {
        Assert.True(GrpcStatusCodes.TryParseFailure(name, out var byName));
        Assert.True(GrpcStatusCodes.TryParseFailure(name.ToLowerInvariant().Replace('_', '-'), out var byLinkerdName));
        Assert.True(GrpcStatusCodes.TryParseFailure(code.ToString(System.Globalization.CultureInfo.InvariantCulture), out var byNumber));

        Assert.Equal((code, code, code), (byName, byLinkerdName, byNumber));
        Assert.Equal(name, GrpcStatusCodes.Name(code));
    }

    // OK (0) is not a failure; nothing above 16 is a code; no sign or spaces.
    [Theory]
    [InlineData("0")]
    [InlineData("OK")]
    [InlineData("ok")]
    [InlineData("17")]
    [InlineData("-1")]
    [InlineData(" 14")]
    [InlineData("broken")]
    public void GrpcStatusCodes_NotAFailureCode_Refused(string text) => Assert.False(GrpcStatusCodes.TryParseFailure(text, out _));

    // Linkerd's retry.linkerd.io/grpc lists these five conditions, by name.
    [Theory]
    [InlineData("cancelled", 1)]
    [InlineData("deadline-exceeded", 4)]
    [InlineData("resource-exhausted", 8)]
    [InlineData("internal", 13)]
    [InlineData("Unavailable", 14)]
    public void GrpcStatusCodes_LinkerdRetryCondition_Parses(string text, int code)
    {
        Assert.True(GrpcStatusCodes.TryParseLinkerdRetryable(text, out var parsed));
        Assert.Equal(code, parsed);
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("14")]
    [InlineData("deadline_exceeded")]
    [InlineData("ok")]
    public void GrpcStatusCodes_NotALinkerdRetryCondition_Refused(string text) => Assert.False(GrpcStatusCodes.TryParseLinkerdRetryable(text, out _));
}
