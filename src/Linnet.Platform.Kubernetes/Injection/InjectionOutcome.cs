namespace Linnet.Platform.Kubernetes.Injection;

/// <summary>What injection did to a pod.</summary>
public enum InjectionOutcome
{
    /// <summary>The proxy was added (the patch adds it).</summary>
    Injected,

    /// <summary>Left alone, for the reason given (disabled, already injected, host network …).</summary>
    Skipped,

    /// <summary>Refused: an annotation is invalid or not honoured (the errors say which and why).</summary>
    Refused,
}
