using Linnet.ControlPlane.Core.Manifests;

namespace Linnet.ControlPlane.Core.Policy;

/// <summary>Reads the identity strings of a MeshTLSAuthentication into <see cref="IdentityMatch"/>es on SPIFFE
/// ids, which is what proxies compare. Linkerd names its identities
/// <c>&lt;sa&gt;.&lt;ns&gt;.serviceaccount.identity.&lt;control-plane-ns&gt;.&lt;trust-domain&gt;</c>; Linnet's are
/// <c>spiffe://&lt;trust-domain&gt;/ns/&lt;ns&gt;/sa/&lt;sa&gt;</c>: the same facts, so each Linkerd-style name or
/// wildcard maps to one SPIFFE id or SPIFFE prefix, and both spellings work in manifests.</summary>
public static class IdentityPattern
{
    private const string SpiffeScheme = "spiffe://";
    private const string ServiceAccountMarker = ".serviceaccount.identity.";

    /// <summary>What forms are accepted, for error messages.</summary>
    public const string Forms = "'*', 'spiffe://<trust-domain>/ns/<ns>/sa/<sa>', 'spiffe://<trust-domain>/ns/<ns>/sa/*', 'spiffe://<trust-domain>/*', " +
        "'<sa>.<ns>.serviceaccount.identity.linkerd.<trust-domain>', '*.<ns>.serviceaccount.identity.linkerd.<trust-domain>' or '*.serviceaccount.identity.linkerd.<trust-domain>'";

    /// <summary>The SPIFFE id of a service account.</summary>
    public static string SpiffeId(string trustDomain, string ns, string serviceAccount) => $"{SpiffeScheme}{trustDomain}/ns/{ns}/sa/{serviceAccount}";

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string text, out IdentityMatch match, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        match = IdentityMatch.Any;
        error = "";
        if (text == "*")
        {
            return true;
        }

        if (text.StartsWith(SpiffeScheme, StringComparison.Ordinal))
        {
            return TryParseSpiffe(text, out match, out error);
        }

        var wildcard = text.StartsWith("*.", StringComparison.Ordinal);
        var name = wildcard ? text[2..] : text;
        var marker = name.IndexOf(ServiceAccountMarker, StringComparison.Ordinal);
        string? ns = null;
        string? sa = null;
        string tail;
        if (name.StartsWith("serviceaccount.identity.", StringComparison.Ordinal) && wildcard)
        {
            // *.serviceaccount.identity.<cp-ns>.<td>: every service account of every namespace.
            tail = name["serviceaccount.identity.".Length..];
        }
        else if (marker > 0)
        {
            var head = name[..marker].Split('.');
            tail = name[(marker + ServiceAccountMarker.Length)..];
            if (wildcard && head.Length == 1)
            {
                ns = head[0];
            }
            else if (!wildcard && head.Length == 2)
            {
                (sa, ns) = (head[0], head[1]);
            }
            else
            {
                error = $"'{text}' is not a Linkerd identity name or wildcard; use one of: {Forms}";
                return false;
            }
        }
        else
        {
            error = wildcard
                ? $"'{text}' is a suffix wildcard that matches no service-account identity; use one of: {Forms}"
                : $"'{text}' is not an identity Linnet issues; use one of: {Forms}";
            return false;
        }

        // tail = <control-plane-ns>.<trust-domain>; the control plane's namespace is not part of a SPIFFE id.
        var dot = tail.IndexOf('.', StringComparison.Ordinal);
        var trustDomain = dot > 0 ? tail[(dot + 1)..] : "";
        if (dot <= 0 || !ManifestParser.IsDnsSubdomain(trustDomain) || !ManifestParser.IsDnsLabel(tail[..dot]))
        {
            error = $"'{text}' does not end in '.identity.<control-plane-namespace>.<trust-domain>'";
            return false;
        }

        if ((ns is not null && !ManifestParser.IsDnsLabel(ns)) || (sa is not null && !ManifestParser.IsDnsLabel(sa)))
        {
            error = $"'{text}': namespace and service account must be lowercase DNS labels";
            return false;
        }

        match = sa is not null ? new IdentityMatch(IdentityMatchKind.Exact, SpiffeId(trustDomain, ns!, sa))
            : ns is not null ? new IdentityMatch(IdentityMatchKind.Prefix, $"{SpiffeScheme}{trustDomain}/ns/{ns}/sa/")
            : new IdentityMatch(IdentityMatchKind.Prefix, $"{SpiffeScheme}{trustDomain}/ns/");
        return true;
    }

    private static bool TryParseSpiffe(string text, out IdentityMatch match, out string error)
    {
        match = IdentityMatch.Any;
        error = "";
        var rest = text[SpiffeScheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var trustDomain = slash < 0 ? rest : rest[..slash];
        if (!ManifestParser.IsDnsSubdomain(trustDomain))
        {
            error = $"'{text}': '{trustDomain}' is not a trust domain (a lowercase DNS name)";
            return false;
        }

        var path = slash < 0 ? "" : rest[slash..];
        if (path == "/*")
        {
            match = new IdentityMatch(IdentityMatchKind.Prefix, $"{SpiffeScheme}{trustDomain}/");
            return true;
        }

        var parts = path.Split('/');
        if (parts.Length == 5 && parts[0].Length == 0 && parts[1] == "ns" && parts[3] == "sa" && ManifestParser.IsDnsLabel(parts[2]))
        {
            if (parts[4] == "*")
            {
                match = new IdentityMatch(IdentityMatchKind.Prefix, $"{SpiffeScheme}{trustDomain}/ns/{parts[2]}/sa/");
                return true;
            }

            if (ManifestParser.IsDnsLabel(parts[4]))
            {
                match = new IdentityMatch(IdentityMatchKind.Exact, text);
                return true;
            }
        }

        error = $"'{text}' is not a workload identity; use one of: {Forms}";
        return false;
    }
}
