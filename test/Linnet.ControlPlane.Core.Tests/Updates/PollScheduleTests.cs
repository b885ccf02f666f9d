using Linnet.ControlPlane.Core.Updates;

namespace Linnet.ControlPlane.Core.Tests.Updates;

/// <summary><c>keel.sh/pollSchedule</c>: Keel's <c>@every &lt;Go duration&gt;</c>, cron with five fields or six
/// (seconds first, robfig/cron's format), and the descriptors; next times as cron defines them, in UTC.</summary>
public sealed class PollScheduleTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 4, 3, 7, 30, TimeSpan.Zero);

    [Theory]
    [InlineData("@every 1m", "2026-12-04T03:08:30Z")]
    [InlineData("@every 1h30m", "2026-12-04T04:37:30Z")]
    [InlineData("@every 1.5s", "2026-12-04T03:07:31.5Z")]
    [InlineData("*/5 * * * *", "2026-12-04T03:10:00Z")]
    [InlineData("15 */5 * * * *", "2026-12-04T03:10:15Z")]
    [InlineData("0 0 * * *", "2026-12-05T00:00:00Z")]
    [InlineData("@hourly", "2026-12-04T04:00:00Z")]
    [InlineData("@daily", "2026-12-05T00:00:00Z")]
    public void Next_ValidSchedule_NextTimeAsCronDefinesIt(string text, string next)
    {
        Assert.True(PollSchedule.TryParse(text, out var schedule, out var reason), reason);

        Assert.Equal(DateTimeOffset.Parse(next, System.Globalization.CultureInfo.InvariantCulture), schedule.Next(At));
    }

    [Theory]
    [InlineData("@every 500ms", "at least 1 s apart")]
    [InlineData("@every 5x", "Go duration")]
    [InlineData("@every", "is not a poll schedule")]
    [InlineData("every 1m", "is not a poll schedule")]
    [InlineData("61 * * * *", "is not a poll schedule")]
    [InlineData("* * *", "is not a poll schedule")]
    public void TryParse_Invalid_RefusedWithReason(string text, string reason)
    {
        Assert.False(PollSchedule.TryParse(text, out _, out var why));
        Assert.Contains(reason, why, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_IsKeelsEveryMinute()
    {
        Assert.Equal("@every 1m", PollSchedule.Default.Text);
        Assert.Equal(At.AddMinutes(1), PollSchedule.Default.Next(At));
    }
}
