namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>One row of <c>linnet edges</c>: who called whom in the window, and whether over mTLS.</summary>
/// <param name="Source">The calling workload.</param>
/// <param name="Destination">The called workload.</param>
/// <param name="Secured">Every request of the edge went over mTLS.</param>
/// <param name="ClientId">The caller's identity ("" when it has none).</param>
/// <param name="ServerId">The identity the called proxies proved ("" when plaintext).</param>
/// <param name="Requests">Requests in the window.</param>
public sealed record EdgeRow(WorkloadRef Source, WorkloadRef Destination, bool Secured, string ClientId, string ServerId, double Requests);
