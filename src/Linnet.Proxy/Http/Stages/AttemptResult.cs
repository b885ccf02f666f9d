namespace Linnet.Proxy.Http.Stages;

/// <summary>How one attempt ended (<see cref="AttemptKind"/>), the route error it counts as, when the response
/// head arrived (0: never), and for a failure its reason, where it went and whether it failed to connect.</summary>
internal sealed record AttemptResult(AttemptKind Kind, string RouteError, long HeadersAt, string Reason = "", string Destination = "", bool ConnectFailed = false)
{
    /// <summary>The exchange is over.</summary>
    public static AttemptResult Done(string routeError, long headersAt) => new(AttemptKind.Done, routeError, headersAt);
}
