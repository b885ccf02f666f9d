using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Linnet.ControlPlane.Core.Notifications;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;
using Linnet.Registry;

namespace Linnet.ControlPlane.Core.Updates;

/// <summary>The closed release loop: a Workload with an image policy and a Canary targeting it. An image update
/// changes the target's spec, which the Canary controller sees as a new revision (Flagger's rule) and analyses;
/// when the Canary decides that revision (Succeeded or Failed), the verdict is recorded once as a
/// <see cref="ReleaseVerdictResource"/> with its reasons and notified once. A rolled-back image is not planned
/// again (<see cref="WasRolledBack"/>) until a newer version appears or the record is cleared.</summary>
public static class ReleaseLoop
{
    /// <summary>The verdict <paramref name="canary"/> reached on <paramref name="target"/>'s current image, or null
    /// while undecided, when the decision was about an earlier spec of the target, or when the target has no image
    /// policy (<paramref name="settings"/>, from <see cref="ImagePolicies"/>: not a release loop).</summary>
    public static ReleaseVerdictResource? Judge(CanaryResource canary, WorkloadResource target, ImageUpdateSettings? settings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(target);
        var status = canary.Status;
        if (target.Spec.Image is not { } image || status.Phase is not (CanaryPhases.Succeeded or CanaryPhases.Failed)
            || status.LastAppliedSpec != CanaryObjects.SpecHash(target)
            || settings is not { Updates: true })
        {
            return null;
        }

        var failed = status.Phase == CanaryPhases.Failed;

        // The events of this analysis: those since the last "New revision detected" (Flagger's wording).
        var start = -1;
        for (var i = status.Events.Count - 1; i >= 0 && start < 0; i--)
        {
            if (status.Events[i].Message.StartsWith("New revision detected", StringComparison.Ordinal))
            {
                start = i;
            }
        }

        var events = status.Events.Skip(start + 1).ToList();
        var reasons = new List<string>();
        if (failed)
        {
            reasons.AddRange(events.Where(e => e.Type == "Warning").Select(e => e.Message).Distinct(StringComparer.Ordinal));
            reasons.AddRange(status.Metrics.Where(m => !m.Passed).Select(m => $"{m.Name}: {(m.Value is { } v ? v.ToString("0.##", CultureInfo.InvariantCulture) : "no value")} outside [{Bound(m.Min)}, {Bound(m.Max)}]"));
        }
        else
        {
            reasons.AddRange(status.Metrics.Select(m => $"{m.Name}: {(m.Value is { } v ? v.ToString("0.##", CultureInfo.InvariantCulture) : "no value")} within [{Bound(m.Min)}, {Bound(m.Max)}]"));
            if (status.Judge is { Result.Verdict: Linnet.ControlPlane.Core.Judge.JudgeVerdict.Promote } judge)
            {
                // The sequential judge's reason ("ready to promote: canary failure rate … (difference at most …)").
                reasons.Add(judge.Result.Message);
            }

            reasons.Add(status.Promoted?.Message is { Length: > 0 } message ? message : "Canary analysis completed successfully, promotion finished.");
        }

        return new ReleaseVerdictResource
        {
            Metadata = new ObjectMeta { Name = Name(target.Metadata.Name, image), Namespace = target.Metadata.Namespace },
            Spec = new ReleaseVerdictSpec(target.Metadata.Name, canary.Metadata.Name, image, failed ? ReleaseVerdicts.RolledBack : ReleaseVerdicts.Promoted, reasons, now),
        };
    }

    /// <summary>The store name of the verdict on <paramref name="image"/> of <paramref name="workload"/>.</summary>
    public static string Name(string workload, string image)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(image);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(image)).AsSpan(0, 5));
        return $"{(workload.Length > 52 ? workload[..52].TrimEnd('-') : workload)}-{hash}";
    }

    /// <summary>Whether <paramref name="candidate"/> is a version of <paramref name="workload"/> a canary rolled
    /// back: same repository and tag, and the same digest when both name one (a new digest of a tag is a new
    /// version).</summary>
    public static bool WasRolledBack(IEnumerable<ReleaseVerdictResource> verdicts, WorkloadResource workload, string candidate)
    {
        ArgumentNullException.ThrowIfNull(workload);
        return WasRolledBack(verdicts, workload.Metadata.Namespace, workload.Metadata.Name, candidate);
    }

    /// <summary>Whether <paramref name="candidate"/> is a version a canary rolled back of the workload (or
    /// Deployment) <paramref name="ns"/>/<paramref name="name"/>.</summary>
    public static bool WasRolledBack(IEnumerable<ReleaseVerdictResource> verdicts, string ns, string name, string candidate)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        if (!ImageReference.TryParse(candidate, out var next, out _))
        {
            return false;
        }

        foreach (var verdict in verdicts)
        {
            if (verdict.Spec.Verdict != ReleaseVerdicts.RolledBack || verdict.Metadata.Namespace != ns || verdict.Spec.Workload != name
                || !ImageReference.TryParse(verdict.Spec.Image, out var bad, out _))
            {
                continue;
            }

            if (bad.Registry == next.Registry && bad.Repository == next.Repository && (bad.Tag ?? "latest") == (next.Tag ?? "latest")
                && (bad.Digest is null || next.Digest is null || bad.Digest == next.Digest))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The one notification of a verdict: success when promoted, error when rolled back, with the reasons.</summary>
    public static Notification Notify(ReleaseVerdictResource verdict, ImageUpdateSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var spec = verdict.Spec;
        var promoted = spec.Verdict == ReleaseVerdicts.Promoted;
        var id = $"{verdict.Metadata.Namespace}/{spec.Workload}";
        var message = promoted
            ? $"Workload {id} {spec.Image} promoted by Canary {verdict.Metadata.Namespace}/{spec.Canary}: {string.Join("; ", spec.Reasons)}"
            : $"Workload {id} {spec.Image} rolled back by Canary {verdict.Metadata.Namespace}/{spec.Canary}, not tried again until a newer version: {string.Join("; ", spec.Reasons)}";
        return new Notification(promoted ? "release promoted" : "release rolled back", message, promoted ? NotificationLevel.Success : NotificationLevel.Error, spec.At, "release verdict", "Workload", id)
        {
            Fields = [new("Image", spec.Image), new("Verdict", spec.Verdict), new("Canary", spec.Canary), .. spec.Reasons.Select(r => new KeyValuePair<string, string>("Reason", r))],
            Channels = settings?.NotifyChannels ?? [],
        };
    }

    private static string Bound(double? value) => value is { } v ? v.ToString("0.##", CultureInfo.InvariantCulture) : "-";
}
