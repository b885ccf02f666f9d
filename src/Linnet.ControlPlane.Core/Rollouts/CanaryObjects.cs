using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>Flagger's object model for a canary, in universal mode: <c>&lt;target&gt;-primary</c> Workload, the
/// apex Service (selecting the primary), <c>&lt;apex&gt;-primary</c> and <c>&lt;apex&gt;-canary</c> Services, and an
/// HTTPRoute on the apex Service whose backendRefs carry the weights (Flagger's gatewayapi router).</summary>
public static class CanaryObjects
{
    /// <summary>The labels Flagger selects pods by, in its default order (<c>--selector-labels</c>).</summary>
    public static IReadOnlyList<string> SelectorLabels { get; } = ["app", "name", "app.kubernetes.io/name"];

    /// <summary>The primary Workload's name.</summary>
    public static string PrimaryName(CanaryResource canary) => $"{canary.Spec.TargetName}-primary";

    /// <summary>The apex Service's (and the route's) name.</summary>
    public static string ApexName(CanaryResource canary) => canary.Spec.Service.Name ?? canary.Spec.TargetName;

    /// <summary>The label the target's instances are selected by; null when it has none of <see cref="SelectorLabels"/>.</summary>
    public static string? SelectorLabel(WorkloadResource target) => SelectorLabels.FirstOrDefault(target.Metadata.Labels.ContainsKey);

    /// <summary>A hash of the target's spec without its replicas (Flagger hashes the pod template): a different
    /// one is a new revision.</summary>
    public static string SpecHash(WorkloadResource target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return WorkloadSpecHash.Of(target.Spec);
    }

    /// <summary>The primary Workload running <paramref name="spec"/> (the target's, when promoting).</summary>
    public static WorkloadResource Primary(CanaryResource canary, WorkloadResource target, WorkloadSpec spec, string selectorLabel, ObjectMeta? existing)
    {
        var labels = new Dictionary<string, string>(target.Metadata.Labels, StringComparer.Ordinal) { [selectorLabel] = PrimaryName(canary) };

        // Keel's annotations stay on the target: an image update must go through the canary, not straight to the primary.
        var annotations = target.Metadata.Annotations.Where(a => !a.Key.StartsWith("keel.sh/", StringComparison.Ordinal)).ToDictionary(StringComparer.Ordinal);
        return new WorkloadResource
        {
            Metadata = new ObjectMeta { Name = PrimaryName(canary), Namespace = canary.Metadata.Namespace, Labels = labels, Annotations = annotations, ResourceVersion = existing?.ResourceVersion ?? 0 },
            Spec = spec,
        };
    }

    /// <summary>The apex, primary and canary Services.</summary>
    public static IReadOnlyList<ServiceResource> Services(CanaryResource canary, WorkloadResource target, string selectorLabel)
    {
        var apex = ApexName(canary);
        var service = canary.Spec.Service;
        var port = new ServicePort(service.PortName, service.Port, service.TargetPort ?? service.Port, null);
        ServiceResource Make(string name, string selected) => new()
        {
            Metadata = new ObjectMeta { Name = name, Namespace = canary.Metadata.Namespace },
            Spec = new ServiceSpec(new Dictionary<string, string> { [selectorLabel] = selected }, [port]),
        };

        var targetValue = target.Metadata.Labels[selectorLabel];
        return [Make(apex, PrimaryName(canary)), Make($"{apex}-primary", PrimaryName(canary)), Make($"{apex}-canary", targetValue)];
    }

    /// <summary>The route: every request split by weight, or (A/B) matching requests to the canary; every rule carries the
    /// Canary's <c>service</c> matches, filters, timeouts and retries (<see cref="CanaryServiceSpec"/>). With
    /// <c>analysis.sessionAffinity</c>, the cookies of <paramref name="status"/> are routed as Flagger's gatewayapi router
    /// routes them (<see cref="SessionAffinityRules"/>).</summary>
    public static HttpRouteResource Route(CanaryResource canary, int primaryWeight, int canaryWeight, bool abMatch, CanaryStatus? status = null)
    {
        ArgumentNullException.ThrowIfNull(canary);
        var apex = ApexName(canary);
        var port = canary.Spec.Service.Port;
        BackendRef Primary(int weight) => new($"{apex}-primary", null, port, weight);
        BackendRef Canary(int weight) => new($"{apex}-canary", null, port, weight);
        var rules = new List<HttpRouteRule>();

        // Flagger's SetRoutes: every rule carries the service's matches, filters (makeFilters) and timeouts
        // (makeHTTPRouteTimeouts); no service.match is Gateway API's default, every request. Linnet adds the retries.
        var service = canary.Spec.Service;
        var weighted = new HttpRouteRule(service.Match, [Primary(primaryWeight), Canary(canaryWeight)]) { Filters = service.RuleFilters, Timeouts = service.RuleTimeouts };
        if (abMatch)
        {
            rules.Add(weighted with { Matches = MergeMatches(canary.Spec.Analysis.Match, service.Match), BackendRefs = [Primary(0), Canary(100)] });
        }

        if (canary.Spec.Analysis.SessionAffinity is { } affinity && status is not null)
        {
            rules.AddRange(SessionAffinityRules(canary, affinity, status, canaryWeight, weighted));
        }
        else
        {
            rules.Add(weighted);
        }

        return new HttpRouteResource
        {
            Metadata = new ObjectMeta { Name = apex, Namespace = canary.Metadata.Namespace },
            Spec = new HttpRouteSpec([new ParentRef(apex, null, port)], rules),
        };
    }

    /// <summary>A fresh cookie value: 16 letters and digits from a cryptographic source (Flagger draws 10 letters from
    /// math/rand; a value nobody can guess keeps users from choosing a side they were not given).</summary>
    public static string NewCookieValue() =>
        System.Security.Cryptography.RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 16);

    // Flagger's getSessionAffinityRouteRules (pkg/router/gateway_api.go). While the canary takes traffic: a rule sending
    // requests that carry the canary cookie to the canary alone; with primaryCookieName, one sending those that carry the
    // primary cookie to the primary alone; then the weighted rule, whose canary backendRef sets the canary cookie on its
    // responses (Max-Age=maxAge) and whose primary backendRef sets the primary cookie (Max-Age=the analysis interval).
    // Once it takes none: requests still carrying the previous run's cookie are answered with that cookie expired
    // (Max-Age=-1) and otherwise routed as the weighted rule routes.
    private static IEnumerable<HttpRouteRule> SessionAffinityRules(CanaryResource canary, CanarySessionAffinity affinity, CanaryStatus status, int canaryWeight, HttpRouteRule weighted)
    {
        var primaryKey = weighted.BackendRefs[0];
        var canaryKey = weighted.BackendRefs[1];
        if (canaryWeight > 0 && status.SessionAffinityCookie.Length > 0)
        {
            yield return weighted with { Matches = CookieMatches(canary, status.SessionAffinityCookie), BackendRefs = [primaryKey with { Weight = 0 }, canaryKey with { Weight = 100 }] };
            var primarySetsCookie = affinity.PrimaryCookieName is not null && status.PrimarySessionAffinityCookie.Length > 0;
            if (primarySetsCookie)
            {
                yield return weighted with { Matches = CookieMatches(canary, status.PrimarySessionAffinityCookie), BackendRefs = [primaryKey with { Weight = 100 }, canaryKey with { Weight = 0 }] };
            }

            var interval = (int)canary.Spec.Analysis.Interval.TotalSeconds;
            yield return weighted with
            {
                BackendRefs =
                [
                    primarySetsCookie ? primaryKey with { Filters = SetCookie(affinity.SetCookie(status.PrimarySessionAffinityCookie, interval)) } : primaryKey,
                    canaryKey with { Filters = SetCookie(affinity.SetCookie(status.SessionAffinityCookie, affinity.MaxAge)) },
                ],
            };
            yield break;
        }

        if (status.PreviousSessionAffinityCookie.Length > 0)
        {
            // Flagger expires it with the pair and Max-Age=-1 alone.
            yield return weighted with
            {
                Matches = CookieMatches(canary, status.PreviousSessionAffinityCookie),
                Filters = WithSetCookie(weighted.Filters, status.PreviousSessionAffinityCookie + "; Max-Age=-1"),
            };
        }

        yield return weighted;
    }

    private static RouteFilters SetCookie(string value) => WithSetCookie(RouteFilters.None, value);

    // Flagger appends a second ResponseHeaderModifier to the rule's (service.headers.response) one; Gateway API allows one
    // per rule, so the Set-Cookie goes into the rule's own, after its headers (the parser keeps Set-Cookie out of them).
    private static RouteFilters WithSetCookie(RouteFilters filters, string value)
    {
        var cookie = new HeaderValue("Set-Cookie", value);
        var existing = filters.ResponseHeaderModifier;
        return filters with { ResponseHeaderModifier = existing is null ? new HeaderModifier([], [cookie], []) : existing with { Add = [.. existing.Add, cookie] } };
    }

    /// <summary>Flagger's <c>mergeMatchConditions</c>: each of <paramref name="analysis"/>'s matches combined with each of
    /// <paramref name="service"/>'s, the service match's path and method kept and its headers and query parameters
    /// replaced by the analysis match's when it has any; either list alone when the other is empty.</summary>
    public static IReadOnlyList<HttpRouteMatch> MergeMatches(IReadOnlyList<HttpRouteMatch> analysis, IReadOnlyList<HttpRouteMatch> service)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(service);
        if (analysis.Count == 0)
        {
            return service;
        }

        if (service.Count == 0)
        {
            return analysis;
        }

        return [.. from a in analysis
                   from s in service
                   select s with
                   {
                       Headers = a.Headers.Count > 0 ? a.Headers : s.Headers,
                       QueryParams = a.QueryParams.Count > 0 ? a.QueryParams : s.QueryParams,
                   }];
    }

    // Flagger's sticky rules: the cookie match merged with the service's matches.
    private static IReadOnlyList<HttpRouteMatch> CookieMatches(CanaryResource canary, string pair) => MergeMatches([CookieMatch(pair)], canary.Spec.Service.Match);

    // The request's Cookie header holds the pair (RFC 6265 section 4.2.1: pairs separated by "; "; several Cookie fields,
    // as HTTP/2 clients may send, are matched joined by ","). Flagger's regex is ".*name.*value.*"; this one holds only
    // for that exact pair.
    private static HttpRouteMatch CookieMatch(string pair) =>
        new(null, [new HeaderMatch("RegularExpression", "Cookie", $"(?:.*[;,]\\s*)?{System.Text.RegularExpressions.Regex.Escape(pair)}(?:[;,].*)?")]);
}
