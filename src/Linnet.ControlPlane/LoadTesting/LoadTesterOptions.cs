using System.Net;
using System.Text.RegularExpressions;

namespace Linnet.ControlPlane.LoadTesting;

/// <summary>How <c>linnet loadtester</c> runs (flagger-loadtester's flags where they exist).</summary>
/// <param name="Listen">Where it listens (flagger-loadtester: <c>--port</c>, default 8080 here as in its chart).</param>
/// <param name="SigningKey">The control plane's shared webhook key, when this load tester may read it
/// (<c>--signing-key-file</c>): an operator's curl may carry it as a bearer token, and without
/// <see cref="PublicKey"/> calls are checked with it (<c>v1</c>); null: no bearer.</param>
public sealed record LoadTesterOptions(IPEndPoint Listen, byte[]? SigningKey)
{
    /// <summary>The control plane's public webhook key (<c>LINNET_WEBHOOK_PUBLIC_KEY</c>): when set, a call with side
    /// effects must carry a valid, fresh, never-seen <c>es256</c> signature for its method, host and path (or the
    /// bearer key); <c>v1</c> alone is refused.</summary>
    public System.Security.Cryptography.ECDsa? PublicKey { get; init; }

    /// <summary>Bound on each load test (flagger-loadtester's <c>--timeout</c>, default 1h).</summary>
    public TimeSpan TaskTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Only canaries in namespaces matching it are served (<c>--namespace-regexp</c>); null: all.</summary>
    public Regex? Namespaces { get; init; }
}
