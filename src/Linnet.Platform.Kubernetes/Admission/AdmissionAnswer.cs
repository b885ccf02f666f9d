using System.Text.Json.Nodes;
using Linnet.Platform.Kubernetes.Injection;

namespace Linnet.Platform.Kubernetes.Admission;

/// <summary>What the webhook sends back: an AdmissionReview response, or the reason the request was not one (400).</summary>
/// <param name="Review">The AdmissionReview with its response; null when the request was invalid.</param>
/// <param name="Outcome">What injection did.</param>
/// <param name="Reason">Why it skipped or refused, or why the request is invalid.</param>
public sealed record AdmissionAnswer(JsonObject? Review, InjectionOutcome Outcome, string Reason)
{
    /// <summary>A request that is not an AdmissionReview this webhook answers.</summary>
    public static AdmissionAnswer Invalid(string reason) => new(null, InjectionOutcome.Refused, reason);

    /// <summary>A review answered.</summary>
    public static AdmissionAnswer Reviewed(JsonObject review, InjectionOutcome outcome, string reason) => new(review, outcome, reason);
}
