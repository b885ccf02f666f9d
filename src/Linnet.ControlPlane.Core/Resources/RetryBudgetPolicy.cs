using Linnet.Api.Policy;

namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A Service's retry budget: retries may add <paramref name="Ratio"/> of the requests of the last
/// <paramref name="Ttl"/>, plus <paramref name="MinRetriesPerSecond"/> each second.</summary>
public sealed record RetryBudgetPolicy(double Ratio, int MinRetriesPerSecond, TimeSpan Ttl)
{
    /// <summary>Linkerd's defaults: 0.2, 10 per second, 10 s.</summary>
    public static RetryBudgetPolicy Default { get; } = new(PolicyDefaults.RetryBudgetRatio, PolicyDefaults.RetryBudgetMinRetriesPerSecond, PolicyDefaults.RetryBudgetTtl);
}
