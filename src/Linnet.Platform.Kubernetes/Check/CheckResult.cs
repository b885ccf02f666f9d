namespace Linnet.Platform.Kubernetes.Check;

/// <summary>How one check came out, as <c>linkerd check</c> marks it: √ passed, ‼ a warning, × failed.</summary>
public enum CheckStatus
{
    /// <summary>√: the check holds.</summary>
    Ok,

    /// <summary>‼: a warning; the outcome still passes.</summary>
    Warning,

    /// <summary>×: the check fails.</summary>
    Failed,
}

/// <summary>One check's result: its category (Linkerd's category names), its description (Linkerd's wording where
/// Linkerd has the same check), and, unless it passed, why (<paramref name="Error"/>) and what to do
/// (<paramref name="Hint"/>). Never carries key material.</summary>
/// <param name="Category">The category, such as <c>linkerd-identity</c>.</param>
/// <param name="Description">What is checked, such as <c>issuer cert is within its validity period</c>.</param>
/// <param name="Status">How it came out.</param>
/// <param name="Error">Why it did not pass; null when it did.</param>
/// <param name="Hint">What to do about it; null when it passed.</param>
/// <param name="Retryable">Whether the check may pass by itself after a while (pods becoming ready), so
/// <c>linnet check --wait</c> runs it again, as Linkerd's checks with a retry deadline.</param>
public sealed record CheckResult(string Category, string Description, CheckStatus Status, string? Error = null, string? Hint = null, bool Retryable = false);
