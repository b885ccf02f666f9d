namespace Linnet.ControlPlane.Core.Resources;

/// <summary>The one registry of the annotations Linnet understands, and on which kinds. An annotation in a
/// domain Linnet speaks for (<c>linnet.io</c>, <c>linkerd.io</c>, <c>keel.sh</c>, <c>flagger.app</c> and their
/// subdomains, such as <c>config.linkerd.io</c>) that is not understood where it is written has no effect, so
/// apply answers it with a warning rather than silence. Add an annotation here when code honours it.</summary>
public static class KnownAnnotations
{
    /// <summary><c>strict</c> or <c>permissive</c> (the default): whether the workload's proxies accept plaintext.</summary>
    public const string InboundTls = "config.linnet.io/inbound-tls";

    /// <summary>The domains whose annotations are checked.</summary>
    public static IReadOnlyList<string> Domains { get; } = ["linnet.io", "linkerd.io", "keel.sh", "flagger.app"];

    private static readonly string[] RouteAndServiceKinds = [HttpRouteResource.KindName, GrpcRouteResource.KindName, ServiceResource.KindName];

    private static readonly Dictionary<string, string[]> Understood = new(StringComparer.Ordinal)
    {
        [ServiceTrafficPolicy.FailureAccrual] = [ServiceResource.KindName],
        [ServiceTrafficPolicy.MaxFailures] = [ServiceResource.KindName],
        [ServiceTrafficPolicy.MinPenalty] = [ServiceResource.KindName],
        [ServiceTrafficPolicy.MaxPenalty] = [ServiceResource.KindName],
        [ServiceTrafficPolicy.JitterRatio] = [ServiceResource.KindName],
        [ServiceTrafficPolicy.BudgetRatio] = [ServiceResource.KindName],
        [ServiceTrafficPolicy.BudgetMinRetriesPerSecond] = [ServiceResource.KindName],
        [ServiceTrafficPolicy.BudgetTtl] = [ServiceResource.KindName],
        [Linnet.Api.Policy.DefaultInboundPolicies.Annotation] = [WorkloadResource.KindName],
        [InboundTls] = [WorkloadResource.KindName],
        // On a Service they apply to every route to it that does not set its own (MeshTranslator).
        [LinkerdRouteAnnotations.RetryHttp] = [HttpRouteResource.KindName, ServiceResource.KindName],
        [LinkerdRouteAnnotations.RetryGrpc] = [GrpcRouteResource.KindName, ServiceResource.KindName],
        [LinkerdRouteAnnotations.RetryLimit] = RouteAndServiceKinds,
        [LinkerdRouteAnnotations.RetryTimeout] = RouteAndServiceKinds,
        [LinkerdRouteAnnotations.TimeoutRequest] = RouteAndServiceKinds,
        [LinkerdRouteAnnotations.TimeoutResponse] = RouteAndServiceKinds,
        // Applied by the registry webhooks (Updates/ImageUpdatePlanner); the other keel.sh keys are refused on apply.
        [Updates.KeelAnnotations.Policy] = [WorkloadResource.KindName],
        [Updates.KeelAnnotations.MatchTag] = [WorkloadResource.KindName],
        [Updates.KeelAnnotations.LegacyMatchTag] = [WorkloadResource.KindName],
        [Updates.KeelAnnotations.MatchPreRelease] = [WorkloadResource.KindName],
        [Updates.KeelAnnotations.Trigger] = [WorkloadResource.KindName],
    };

    /// <summary>Whether <paramref name="name"/>'s prefix is one of <see cref="Domains"/> or a subdomain of one.</summary>
    public static bool InKnownDomain(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return false;
        }

        var prefix = name.AsSpan(0, slash);
        foreach (var domain in Domains)
        {
            if (prefix.Equals(domain, StringComparison.OrdinalIgnoreCase)
                || (prefix.Length > domain.Length && prefix.EndsWith(domain, StringComparison.OrdinalIgnoreCase) && prefix[prefix.Length - domain.Length - 1] == '.'))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Why <paramref name="name"/> on a <paramref name="kind"/> has no effect; null when it does, or when
    /// it is outside Linnet's domains (other tools' annotations are none of Linnet's business).</summary>
    public static string? Warning(string kind, string name)
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (!InKnownDomain(name))
        {
            return null;
        }

        if (Understood.TryGetValue(name, out var kinds))
        {
            return kinds.Contains(kind, StringComparer.Ordinal)
                ? null
                : $"has no effect on a {kind}: Linnet understands it on {string.Join(" and ", kinds)} only";
        }

        var domain = name[..name.IndexOf('/', StringComparison.Ordinal)];
        var same = Understood.Keys.Where(k => k.StartsWith(domain + "/", StringComparison.Ordinal) && Understood[k].Contains(kind, StringComparer.Ordinal)).Order(StringComparer.Ordinal).ToList();
        return same.Count > 0
            ? $"is not an annotation Linnet understands, so it has no effect (understood on a {kind} in {domain}: {string.Join(", ", same)})"
            : $"is not an annotation Linnet understands, so it has no effect";
    }
}
