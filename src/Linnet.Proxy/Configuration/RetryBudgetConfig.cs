using Linnet.Api.Policy;

namespace Linnet.Proxy.Configuration;

/// <summary>How many retries a service may receive (Linkerd's budget): retries may add at most
/// <paramref name="Ratio"/> of the requests of the last <paramref name="Ttl"/>, plus
/// <paramref name="MinRetriesPerSecond"/> every second, so a failing service never sees a retry storm.</summary>
internal sealed record RetryBudgetConfig(double Ratio, int MinRetriesPerSecond, TimeSpan Ttl)
{
    /// <summary>Linkerd's defaults: 0.2, 10 per second, 10 s.</summary>
    public static RetryBudgetConfig Default { get; } = new(PolicyDefaults.RetryBudgetRatio, PolicyDefaults.RetryBudgetMinRetriesPerSecond, PolicyDefaults.RetryBudgetTtl);
}
