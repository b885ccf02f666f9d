using System.Net;
using System.Text.RegularExpressions;

namespace Linnet.ControlPlane.LoadTesting;

/// <summary>How <c>linnet loadtester</c> runs (flagger-loadtester's flags where they exist).</summary>
/// <param name="Listen">Where it listens (flagger-loadtester: <c>--port</c>, default 8080 here as in its chart).</param>
/// <param name="SigningKey">The control plane's webhook signing key: calls with side effects must be signed
/// with it (or carry it as a bearer token, for an operator's curl).</param>
public sealed record LoadTesterOptions(IPEndPoint Listen, byte[] SigningKey)
{
    /// <summary>Bound on each load test (flagger-loadtester's <c>--timeout</c>, default 1h).</summary>
    public TimeSpan TaskTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Only canaries in namespaces matching it are served (<c>--namespace-regexp</c>); null: all.</summary>
    public Regex? Namespaces { get; init; }
}
