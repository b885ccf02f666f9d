using System.Globalization;
using Linnet.Api.Validation;

namespace Linnet.ControlPlane.Core.Updates;

/// <summary>Reads Keel's <c>keel.sh/*</c> annotations (and labels, as Keel does) into one
/// <see cref="ImageUpdatePolicy"/>, validating every value. Keel logs a bad value and carries on with no policy;
/// Linnet refuses it, naming the annotation and the reason, so that nothing is accepted and silently ignored.</summary>
public static class KeelAnnotations
{
    /// <summary><c>keel.sh/policy</c>.</summary>
    public const string Policy = "keel.sh/policy";

    /// <summary>The policy key of Keel's first releases.</summary>
    public const string LegacyPolicy = "keel.observer/policy";

    /// <summary><c>keel.sh/matchTag</c>.</summary>
    public const string MatchTag = "keel.sh/matchTag";

    /// <summary>The matchTag key of Keel's first releases.</summary>
    public const string LegacyMatchTag = "keel.sh/match-tag";

    /// <summary><c>keel.sh/matchPreRelease</c>.</summary>
    public const string MatchPreRelease = "keel.sh/matchPreRelease";

    /// <summary><c>keel.sh/trigger</c>.</summary>
    public const string Trigger = "keel.sh/trigger";

    /// <summary><c>keel.sh/pollSchedule</c>.</summary>
    public const string PollSchedule = "keel.sh/pollSchedule";

    /// <summary><c>keel.sh/approvals</c>.</summary>
    public const string Approvals = "keel.sh/approvals";

    /// <summary><c>keel.sh/approvalDeadline</c>.</summary>
    public const string ApprovalDeadline = "keel.sh/approvalDeadline";

    /// <summary><c>keel.sh/notify</c>.</summary>
    public const string Notify = "keel.sh/notify";

    /// <summary><c>keel.sh/releaseNotes</c>.</summary>
    public const string ReleaseNotes = "keel.sh/releaseNotes";

    /// <summary><c>keel.sh/monitorContainers</c>.</summary>
    public const string MonitorContainers = "keel.sh/monitorContainers";

    /// <summary><c>keel.sh/imagePullSecret</c>.</summary>
    public const string ImagePullSecret = "keel.sh/imagePullSecret";

    /// <summary><c>keel.sh/initContainers</c>: Keel also updates a Deployment's init containers when it is <c>true</c>.</summary>
    public const string InitContainers = "keel.sh/initContainers";

    /// <summary><c>keel.sh/imageVolumes</c>: Keel also updates a pod template's OCI image volumes when it is <c>true</c>.</summary>
    public const string ImageVolumes = "keel.sh/imageVolumes";

    /// <summary>Keel's default <c>keel.sh/approvalDeadline</c>, in hours.</summary>
    public const int DefaultApprovalDeadlineHours = 24;

    // Annotations whose values are read and checked, but which Linnet does not honour: applying them is refused
    // rather than accepted and ignored.
    private static readonly string[] NotYetHonoured = [ImagePullSecret];

    /// <summary>Reads the policy from <paramref name="annotations"/>, else from <paramref name="labels"/> (Keel's
    /// order: the map that names the policy also supplies matchTag and matchPreRelease). Returns null when
    /// neither names one. Problems go to <paramref name="errors"/> with paths under <c>metadata.annotations</c>
    /// or <c>metadata.labels</c>.</summary>
    public static ImageUpdatePolicy? Read(IReadOnlyDictionary<string, string> annotations, IReadOnlyDictionary<string, string> labels, List<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(errors);
        CheckKeys(annotations, AnnotationPath, errors);
        CheckKeys(labels, LabelPath, errors);
        if (HasPolicy(annotations))
        {
            return ReadFrom(annotations, AnnotationPath, errors);
        }

        return HasPolicy(labels) ? ReadFrom(labels, LabelPath, errors) : null;
    }

    /// <summary>Every image update setting of a Workload's annotations and labels (<see cref="Read"/>'s rules for
    /// each key); null when neither names a policy. Problems go to <paramref name="errors"/>.</summary>
    public static ImageUpdateSettings? ReadSettings(IReadOnlyDictionary<string, string> annotations, IReadOnlyDictionary<string, string> labels, List<FieldError> errors)
    {
        var before = errors.Count;
        var policy = Read(annotations, labels, errors);
        return policy is null || errors.Count > before ? null : Settings(policy, annotations, labels);
    }

    /// <summary>The settings of one map written with the annotations' keys (<c>keel.sh/policy</c>, ...) but
    /// found elsewhere, such as the fields of an <c>ImagePolicy</c>: the same checks and the same meaning as on a
    /// Workload's annotations, the policy required, each problem reported at <paramref name="pathOf"/>(key).</summary>
    public static ImageUpdateSettings? ReadSettings(IReadOnlyDictionary<string, string> fields, Func<string, string> pathOf, List<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(pathOf);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        CheckKeys(fields, pathOf, errors);
        if (!fields.ContainsKey(Policy))
        {
            errors.Add(new FieldError(pathOf(Policy), "is required (all, major, minor, patch, force, glob:<pattern>, regexp:<expression>, never)"));
            return null;
        }

        var policy = ReadFrom(fields, pathOf, errors);
        return policy is null || errors.Count > before ? null : Settings(policy, fields, Empty);
    }

    private static readonly Dictionary<string, string> Empty = [];

    private static string AnnotationPath(string key) => "metadata.annotations." + key;

    private static string LabelPath(string key) => "metadata.labels." + key;

    private static ImageUpdateSettings Settings(ImageUpdatePolicy policy, IReadOnlyDictionary<string, string> annotations, IReadOnlyDictionary<string, string> labels)
    {
        var (votes, deadline) = ApprovalsRequired(annotations, labels);
        return new ImageUpdateSettings(policy)
        {
            Poll = ReadPollSchedule(annotations, labels),
            Approvals = votes,
            ApprovalDeadline = deadline,
            NotifyChannels = NotifyChannels(annotations),
            ReleaseNotes = ReleaseNotesUrl(annotations),
            MonitorContainers = labels.TryGetValue(MonitorContainers, out var l) ? l : annotations.TryGetValue(MonitorContainers, out var a) ? a : null,
        };
    }

    /// <summary>Parses a policy name as Keel writes it (<c>all</c>, <c>major</c>, <c>minor</c>, <c>patch</c>,
    /// <c>force</c>, <c>glob:&lt;p&gt;</c>, <c>regexp:&lt;re&gt;</c>, <c>never</c>); null with a reason when invalid.</summary>
    public static ImageUpdatePolicy? ParsePolicy(string value, bool matchTag, bool matchPreRelease, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(value);
        reason = null;
        if (value.StartsWith("glob:", StringComparison.Ordinal))
        {
            // Keel splits on every ':' and wants exactly two parts.
            var parts = value.Split(':');
            if (parts.Length != 2 || parts[1].Length == 0)
            {
                reason = $"'{value}' is not a glob policy: write glob:<pattern>, with no ':' in the pattern";
                return null;
            }

            return new ImageUpdatePolicy(ImagePolicyType.Glob, parts[1]);
        }

        if (value.StartsWith("regexp:", StringComparison.Ordinal))
        {
            var pattern = value["regexp:".Length..];
            try
            {
                _ = ImageTagRules.Compile(pattern);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
            {
                reason = $"'{pattern}' is not a regular expression Keel (Go RE2) accepts: {ex.Message}";
                return null;
            }

            return new ImageUpdatePolicy(ImagePolicyType.Regexp, pattern);
        }

        switch (value)
        {
            case "all":
                return new ImageUpdatePolicy(ImagePolicyType.All, MatchPreRelease: matchPreRelease);
            case "major":
                return new ImageUpdatePolicy(ImagePolicyType.Major, MatchPreRelease: matchPreRelease);
            case "minor":
                return new ImageUpdatePolicy(ImagePolicyType.Minor, MatchPreRelease: matchPreRelease);
            case "patch":
                return new ImageUpdatePolicy(ImagePolicyType.Patch, MatchPreRelease: matchPreRelease);
            case "force":
                return new ImageUpdatePolicy(ImagePolicyType.Force, MatchTag: matchTag);
            case "never" or "":
                return ImageUpdatePolicy.Never;
            default:
                reason = $"'{value}' is not a Keel policy (all, major, minor, patch, force, glob:<pattern>, regexp:<expression>, never)";
                return null;
        }
    }

    /// <summary>The poll schedule of a workload whose <c>keel.sh/trigger</c> is <c>poll</c> (from the annotations,
    /// else the labels, as the policy), Keel's default <c>@every 1m</c> when none is given; null when the workload
    /// is not polled. Assumes <see cref="Read"/> found no errors.</summary>
    public static PollSchedule? ReadPollSchedule(IReadOnlyDictionary<string, string> annotations, IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        ArgumentNullException.ThrowIfNull(labels);
        var map = annotations.TryGetValue(Trigger, out var t) && t == "poll" ? annotations : labels.TryGetValue(Trigger, out var l) && l == "poll" ? labels : null;
        if (map is null)
        {
            return null;
        }

        return map.TryGetValue(PollSchedule, out var text) && Updates.PollSchedule.TryParse(text, out var schedule, out _) ? schedule : Updates.PollSchedule.Default;
    }

    /// <summary>The chat channels a workload's notifications go to instead of the targets' own (Keel's
    /// <c>keel.sh/notify</c>, comma-separated, read from annotations as Keel does); empty when not set.</summary>
    public static IReadOnlyList<string> NotifyChannels(IReadOnlyDictionary<string, string> annotations)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        return annotations.TryGetValue(Notify, out var value) ? SplitChannels(value) : [];
    }

    /// <summary>How many distinct voters an update of the workload needs (<c>keel.sh/approvals</c>, labels read
    /// before annotations as Keel does; 0 when not set) and how long a request waits for them
    /// (<c>keel.sh/approvalDeadline</c>, Keel's default 24 hours). Assumes <see cref="Read"/> found no errors.</summary>
    public static (int Votes, TimeSpan Deadline) ApprovalsRequired(IReadOnlyDictionary<string, string> annotations, IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        ArgumentNullException.ThrowIfNull(labels);
        static int Whole(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> l, string key) =>
            (l.TryGetValue(key, out var text) || a.TryGetValue(key, out text)) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var hours = Whole(annotations, labels, ApprovalDeadline);
        return (Whole(annotations, labels, Approvals), TimeSpan.FromHours(hours > 0 ? hours : DefaultApprovalDeadlineHours));
    }

    /// <summary>The release notes link of <c>keel.sh/releaseNotes</c> (carried into the "update resource"
    /// notification, as Keel does); null when not set.</summary>
    public static string? ReleaseNotesUrl(IReadOnlyDictionary<string, string> annotations)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        return annotations.TryGetValue(ReleaseNotes, out var value) ? value : null;
    }

    private static string[] SplitChannels(string value) => value.Split(',', StringSplitOptions.TrimEntries);

    private static bool HasPolicy(IReadOnlyDictionary<string, string> map) => map.ContainsKey(Policy) || map.ContainsKey(LegacyPolicy);

    private static ImageUpdatePolicy? ReadFrom(IReadOnlyDictionary<string, string> map, Func<string, string> path, List<FieldError> errors)
    {
        var key = map.ContainsKey(Policy) ? Policy : LegacyPolicy;
        var matchTag = Bool(map, map.ContainsKey(MatchTag) ? MatchTag : LegacyMatchTag, false, path, errors);
        var matchPreRelease = Bool(map, MatchPreRelease, true, path, errors);
        var policy = ParsePolicy(map[key], matchTag, matchPreRelease, out var reason);
        if (reason is not null)
        {
            errors.Add(new FieldError(path(key), reason));
        }

        return policy;
    }

    private static bool Bool(IReadOnlyDictionary<string, string> map, string key, bool absent, Func<string, string> path, List<FieldError> errors)
    {
        if (!map.TryGetValue(key, out var text))
        {
            return absent;
        }

        if (text is "true" or "false")
        {
            return text == "true";
        }

        // Keel reads anything but "true" as false; a typo would silently turn the option off.
        errors.Add(new FieldError(path(key), $"'{text}' must be \"true\" or \"false\""));
        return absent;
    }

    private static void CheckKeys(IReadOnlyDictionary<string, string> map, Func<string, string> path, List<FieldError> errors)
    {
        foreach (var (key, value) in map)
        {
            if (!key.StartsWith("keel.sh/", StringComparison.Ordinal) && key != LegacyPolicy)
            {
                continue;
            }

            if (Array.IndexOf(NotYetHonoured, key) >= 0)
            {
                var check = ValueProblem(key, value);
                errors.Add(new FieldError(path(key), check ?? "is not supported: a universal Workload names its registry credentials in spec.imagePullSecretFile"));
            }
            else if (key is InitContainers or ImageVolumes)
            {
                errors.Add(new FieldError(path(key), key == InitContainers
                    ? "is not supported: Linnet updates the containers of a Deployment's pod template, not its init containers"
                    : "is not supported: Linnet does not update image volumes"));
            }
            else if (key is Approvals or ApprovalDeadline)
            {
                if (ValueProblem(key, value) is { } problem)
                {
                    errors.Add(new FieldError(path(key), problem));
                }
            }
            else if (key == Notify)
            {
                foreach (var channel in SplitChannels(value))
                {
                    if (Notifications.NotificationConfig.ChannelProblem(channel) is { } problem)
                    {
                        errors.Add(new FieldError(path(key), problem + ": write channel names separated by commas"));
                        break;
                    }
                }
            }
            else if (key == ReleaseNotes)
            {
                if (!Uri.TryCreate(value, UriKind.Absolute, out var link) || link.Scheme is not ("http" or "https"))
                {
                    errors.Add(new FieldError(path(key), $"'{value}' is not an http or https link"));
                }
            }
            else if (key == MonitorContainers)
            {
                try
                {
                    _ = ImageTagRules.Compile(value);
                }
                catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
                {
                    errors.Add(new FieldError(path(key), $"'{value}' is not a regular expression Keel (Go RE2) accepts: {ex.Message}"));
                }
            }
            else if (key == Trigger)
            {
                if (value is not ("default" or "poll"))
                {
                    errors.Add(new FieldError(path(key), $"'{value}' is not a Keel trigger (poll, default)"));
                }
            }
            else if (key == PollSchedule)
            {
                if (!Updates.PollSchedule.TryParse(value, out _, out var reason))
                {
                    errors.Add(new FieldError(path(key), reason!));
                }
                else if (!(map.TryGetValue(Trigger, out var trigger) && trigger == "poll"))
                {
                    errors.Add(new FieldError(path(key), "applies only with keel.sh/trigger: poll in the same map; without it the schedule would be ignored"));
                }
            }
            else if (key is not (Policy or LegacyPolicy or MatchTag or LegacyMatchTag or MatchPreRelease))
            {
                errors.Add(new FieldError(path(key), "is not a Keel annotation Linnet knows (keel.sh/policy, matchTag, matchPreRelease, trigger, pollSchedule, approvals, approvalDeadline, notify, releaseNotes, monitorContainers, imagePullSecret)"));
            }
        }
    }

    private static string? ValueProblem(string key, string value) => key switch
    {
        Trigger when value is not ("poll" or "default") => $"'{value}' is not a Keel trigger (poll, default)",
        Approvals or ApprovalDeadline when !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _) => $"'{value}' must be a whole number{(key == ApprovalDeadline ? " of hours" : "")}",
        // Keel's API takes 0..100 votes; a deadline of 0 hours would expire every request at once.
        Approvals when int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) > 100 => $"'{value}' votes: at most 100",
        ApprovalDeadline when int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) is 0 or > 8760 => $"'{value}' hours: between 1 and 8760 (a year)",
        _ => null,
    };
}
