namespace Linnet.Proxy.Http.Stages;

/// <summary>How one attempt of a request with a policy ended, for the retry stage to decide.</summary>
internal enum AttemptKind
{
    /// <summary>The exchange is over: answered (by the endpoint or the proxy) or abandoned; nothing to retry.</summary>
    Done,

    /// <summary>A retriable response was swallowed before anything reached the client (<see cref="ForwardState"/>): retry.</summary>
    Suppressed,

    /// <summary>The per-try timeout expired before the response began: retried if 504 is retriable, else 504.</summary>
    TryTimedOut,

    /// <summary>Forwarding failed before the response began: retried if a connect failure and connect failures
    /// are retriable, else answered as a failed forward.</summary>
    Failed,
}
