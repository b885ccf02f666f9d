using Cronos;

namespace Linnet.ControlPlane.Core.Updates;

/// <summary>When a workload's registry is polled (<c>keel.sh/pollSchedule</c>): <c>@every &lt;duration&gt;</c>
/// with a Go duration (<c>30s</c>, <c>1m</c>, <c>1h30m</c>; Keel's default is <c>@every 1m</c>), a cron expression
/// of five fields, or of six with seconds first (the robfig/cron format Keel uses), or a descriptor
/// (<c>@hourly</c>, <c>@daily</c>, <c>@weekly</c>, <c>@monthly</c>, <c>@yearly</c>). Cron times are UTC.</summary>
public sealed class PollSchedule
{
    /// <summary>Keel's default schedule.</summary>
    public const string DefaultText = "@every 1m";

    /// <summary>The shortest <c>@every</c> interval accepted: more often would only earn 429s from the registry.</summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(1);

    private readonly TimeSpan? _every;
    private readonly CronExpression? _cron;

    private PollSchedule(string text, TimeSpan? every, CronExpression? cron)
    {
        Text = text;
        _every = every;
        _cron = cron;
    }

    /// <summary>Keel's default, <c>@every 1m</c>.</summary>
    public static PollSchedule Default { get; } = new(DefaultText, TimeSpan.FromMinutes(1), null);

    /// <summary>The schedule as written.</summary>
    public string Text { get; }

    /// <summary>Parses a schedule; false with the reason when it is not one.</summary>
    public static bool TryParse(string text, out PollSchedule schedule, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(text);
        schedule = Default;
        reason = null;
        var trimmed = text.Trim();
        if (trimmed.StartsWith("@every ", StringComparison.Ordinal))
        {
            if (!Resources.GoDuration.TryParse(trimmed["@every ".Length..].Trim(), out var every))
            {
                reason = $"'{text}': write @every <duration> with a Go duration such as 30s, 5m or 1h30m";
                return false;
            }

            if (every < MinimumInterval)
            {
                reason = $"'{text}': polls must be at least {MinimumInterval.TotalSeconds:0} s apart";
                return false;
            }

            schedule = new PollSchedule(text, every, null);
            return true;
        }

        var fields = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var format = fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        if ((fields is 5 or 6 || (fields == 1 && trimmed.StartsWith('@'))) && CronExpression.TryParse(trimmed, format, out var cron))
        {
            schedule = new PollSchedule(text, null, cron);
            return true;
        }

        reason = $"'{text}' is not a poll schedule: @every <duration>, a cron expression (5 fields, or 6 with seconds) or @hourly/@daily/@weekly/@monthly/@yearly";
        return false;
    }

    /// <summary>The first poll time after <paramref name="after"/>.</summary>
    public DateTimeOffset Next(DateTimeOffset after) =>
        _every is { } every ? after + every : _cron!.GetNextOccurrence(after, TimeZoneInfo.Utc) ?? DateTimeOffset.MaxValue;

    /// <inheritdoc />
    public override string ToString() => Text;
}
