using Linnet.Api.Tap;
using Proto = Linnet.Api.Tap.V1;

namespace Linnet.Proxy.Tap;

/// <summary>One tap in effect on this proxy: what it matches, how many requests a second it may report, and
/// which header values it must withhold.</summary>
internal sealed class ActiveTap
{
    public ActiveTap(Proto.TapStart start, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(start);
        Id = start.Id;
        var match = start.Match ?? new Proto.TapMatch();
        Method = match.Method;
        Authority = match.Authority;
        PathPrefix = match.PathPrefix;
        ToWorkload = match.ToWorkload;
        ToNamespace = match.ToNamespace;
        Limiter = new TapRateLimiter(start.MaxRps > 0 ? Math.Min(start.MaxRps, TapDefaults.MaxRpsLimit) : TapDefaults.MaxRps, time);
        RevealSecrets = start.RevealSecretHeaders;
        var secrets = new HashSet<string>(TapDefaults.SecretHeaders, StringComparer.OrdinalIgnoreCase);
        foreach (var name in start.SecretHeaders)
        {
            secrets.Add(name);
        }

        SecretHeaders = secrets;
    }

    public string Id { get; }

    public string Method { get; }

    public string Authority { get; }

    public string PathPrefix { get; }

    public string ToWorkload { get; }

    public string ToNamespace { get; }

    public TapRateLimiter Limiter { get; }

    public bool RevealSecrets { get; }

    public IReadOnlySet<string> SecretHeaders { get; }

    /// <summary>Whether the tap needs to know the destination (only outbound requests can match then).</summary>
    public bool HasDestinationFilter => ToWorkload.Length > 0 || ToNamespace.Length > 0;

    /// <summary>The part of the match known when the request arrives.</summary>
    public bool MatchesRequest(string method, string authority, string path) =>
        (Method.Length == 0 || string.Equals(Method, method, StringComparison.OrdinalIgnoreCase))
        && (Authority.Length == 0 || string.Equals(Authority, authority, StringComparison.OrdinalIgnoreCase))
        && (PathPrefix.Length == 0 || path.StartsWith(PathPrefix, StringComparison.Ordinal));

    /// <summary>The part known once the destination is: its workload and namespace (outbound only).</summary>
    public bool MatchesDestination(bool outbound, IReadOnlyDictionary<string, string> destination)
    {
        if (!HasDestinationFilter)
        {
            return true;
        }

        return outbound
            && (ToWorkload.Length == 0 || (destination.TryGetValue("deployment", out var workload) && workload == ToWorkload))
            && (ToNamespace.Length == 0 || (destination.TryGetValue("namespace", out var ns) && ns == ToNamespace));
    }
}
