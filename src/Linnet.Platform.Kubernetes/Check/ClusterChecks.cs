using System.Globalization;
using System.Numerics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Linnet.Platform.Kubernetes.Crds;
using Linnet.Platform.Kubernetes.Install;

namespace Linnet.Platform.Kubernetes.Check;

/// <summary><c>linnet check --platform kubernetes</c>: Linkerd's <c>linkerd check</c> categories over the objects
/// <c>linnet install</c> writes — <c>kubernetes-api</c>, <c>kubernetes-version</c>, <c>linkerd-existence</c>,
/// <c>linkerd-config</c>, <c>linkerd-identity</c>, <c>linkerd-webhooks-and-apisvc-tls</c>,
/// <c>control-plane-version</c> — in that order, each check with Linkerd's description where Linkerd has the same
/// check. A failing fatal check ends the run, as in Linkerd: what follows it depends on it. The issuer's key is read
/// only to see that it belongs to the issuer certificate; no key material is ever part of a result.</summary>
public sealed partial class ClusterChecks
{
    /// <summary>The oldest Kubernetes Linnet runs on: native sidecars (init containers with <c>restartPolicy:
    /// Always</c>), which the injector adds, are on by default from 1.29.</summary>
    public static readonly Version MinimumKubernetesVersion = new(1, 29, 0);

    /// <summary>A certificate expiring sooner than this is a warning (Linkerd's 60 days).</summary>
    public static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(60);

    private const string InstallHint = "install (or repair) the control plane: linnet install | kubectl apply -f -";
    private const string ComponentValue = "control-plane";

    private readonly Func<(IKubernetes? Client, string? Error)> _connect;
    private readonly TimeProvider _time;
    private readonly string _cliVersion;
    private IKubernetes _client = null!;
    private VersionInfo? _version;
    private X509Certificate2Collection _anchors = [];
    private X509Certificate2? _issuer;
    private string? _controlPlaneVersion;

    /// <summary>Checks the cluster <paramref name="connect"/> reaches (it answers a client, or why there is none),
    /// against a CLI of <paramref name="cliVersion"/>.</summary>
    public ClusterChecks(Func<(IKubernetes? Client, string? Error)> connect, TimeProvider time, string cliVersion = InstallOptions.DefaultVersion)
    {
        _connect = connect ?? throw new ArgumentNullException(nameof(connect));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _cliVersion = cliVersion;
    }

    private sealed record Checker(string Category, string Description, string Hint, Func<CancellationToken, Task<string?>> Run, bool Fatal = false, bool Warning = false, bool Retryable = false);

    /// <summary>Runs every check in order, stopping after a fatal one fails.</summary>
    public async Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken)
    {
        var results = new List<CheckResult>();
        foreach (var checker in Checkers())
        {
            string? error;
            try
            {
                error = await checker.Run(cancellationToken);
            }
            catch (HttpOperationException ex)
            {
                error = ApiError(ex);
            }
            catch (HttpRequestException ex)
            {
                error = $"cannot reach the Kubernetes API: {ex.Message}";
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                error = $"the Kubernetes API did not answer in time: {ex.Message}";
            }

            var status = error is null ? CheckStatus.Ok : checker.Warning ? CheckStatus.Warning : CheckStatus.Failed;
            results.Add(new CheckResult(checker.Category, checker.Description, status, error, error is null ? null : checker.Hint, checker.Retryable));
            if (status == CheckStatus.Failed && checker.Fatal)
            {
                break;
            }
        }

        return results;
    }

    private IEnumerable<Checker> Checkers()
    {
        const string api = "kubernetes-api", version = "kubernetes-version", existence = "linkerd-existence", config = "linkerd-config";
        const string identity = "linkerd-identity", webhooks = "linkerd-webhooks-and-apisvc-tls", cpVersion = "control-plane-version";
        yield return new(api, "can initialize the client", "give --kubeconfig (or KUBECONFIG) naming a cluster and credentials you can use", _ => Task.FromResult(Connect()), Fatal: true);
        yield return new(api, "can query the Kubernetes API", "check that the API server of your kubeconfig is up and that its credentials are valid (kubectl version)", QueryAsync, Fatal: true);
        yield return new(version, "is running the minimum Kubernetes API version", $"upgrade the cluster to Kubernetes {MinimumKubernetesVersion.ToString(3)} or newer: the injected proxy is a native sidecar", _ => Task.FromResult(CheckVersion()));

        yield return new(existence, "control plane Namespace exists", InstallHint, NamespaceAsync, Fatal: true);
        yield return new(existence, "control plane pods are ready", $"see why: kubectl -n {InstallNames.Namespace} describe pods -l {InstallNames.ComponentLabel}={ComponentValue}, and kubectl -n {InstallNames.Namespace} logs deploy/{InstallNames.ControlPlane}", PodsAsync, Fatal: true, Retryable: true);

        yield return new(config, "control plane ClusterRoles exist", InstallHint, ClusterRoleAsync, Fatal: true);
        yield return new(config, "control plane ClusterRoleBindings exist", InstallHint, ClusterRoleBindingAsync, Fatal: true);
        yield return new(config, "control plane ServiceAccounts exist", InstallHint, ServiceAccountAsync, Fatal: true);
        yield return new(config, "control plane CustomResourceDefinitions exist", "apply the CRDs of linnet install again (kubectl apply -f - of its CustomResourceDefinitions); if the cluster has Gateway API's, Linkerd's or Flagger's own, they must serve the versions named", CrdsAsync, Fatal: true);
        yield return new(config, "control plane MutatingWebhookConfigurations exist", InstallHint, WebhookConfigurationAsync, Fatal: true);

        const string issuerHint = $"put a new issuer certificate and key, signed by a trust anchor, in the Secret {InstallNames.Namespace}/{InstallNames.IssuerSecret} (tls.crt, tls.key; see docs/identity.md) and restart the control plane (kubectl -n {InstallNames.Namespace} rollout restart deploy/{InstallNames.ControlPlane})";
        const string anchorHint = $"rotate the trust anchors: add the new anchor to ca.crt of the Secret {InstallNames.Namespace}/{InstallNames.TrustAnchorSecret} beside the old one, re-issue the issuer from it, then remove the old anchor (docs/identity.md)";
        yield return new(identity, "certificate config is valid", $"the Secrets {InstallNames.TrustAnchorSecret} (ca.crt) and {InstallNames.IssuerSecret} (tls.crt, tls.key) in {InstallNames.Namespace} must hold PEM certificates and the issuer's own key; {InstallHint}", CertificateConfigAsync, Fatal: true);
        yield return new(identity, "trust anchors are within their validity period", anchorHint, _ => Task.FromResult(Anchors(_anchors, "Invalid anchors", Validity)), Fatal: true);
        yield return new(identity, "trust anchors are valid for at least 60 days", anchorHint, _ => Task.FromResult(Anchors(_anchors, "Anchors expiring soon", ExpiringSoon)), Warning: true);
        yield return new(identity, "issuer cert is using supported crypto algorithm", issuerHint, _ => Task.FromResult(IssuerAlgorithm()), Fatal: true);
        yield return new(identity, "issuer cert is within its validity period", issuerHint, _ => Task.FromResult(Validity(_issuer!) is { } e ? $"issuer certificate is {e}" : null), Fatal: true);
        yield return new(identity, "issuer cert is valid for at least 60 days", issuerHint, _ => Task.FromResult(ExpiringSoon(_issuer!) is { } e ? $"issuer certificate {e}" : null), Warning: true);
        yield return new(identity, "issuer cert is issued by the trust anchor", issuerHint, _ => Task.FromResult(Chain(_issuer!, _anchors, null) is { } e ? $"issuer certificate is not issued by the trust anchor: {e}" : null));

        const string webhookHint = $"the API server checks the injector's certificate against the caBundle of {InstallNames.InjectorWebhookConfig}: put the CA of the {InstallNames.InjectorTlsSecret} certificate there (or re-run linnet install | kubectl apply -f -), then restart the control plane";
        yield return new(webhooks, "proxy-injector webhook has valid cert", webhookHint, InjectorCertificateAsync, Fatal: true);
        yield return new(webhooks, "proxy-injector cert is valid for at least 60 days", webhookHint, InjectorExpiringAsync, Warning: true);

        yield return new(cpVersion, "can retrieve the control plane version", InstallHint, ControlPlaneVersionAsync, Fatal: true);
        yield return new(cpVersion, "control plane and cli versions match", $"upgrade whichever is older: the CLI, or the control plane (linnet install | kubectl apply -f -)", _ => Task.FromResult(
            _controlPlaneVersion == _cliVersion ? null : $"control plane running {_controlPlaneVersion} but cli running {_cliVersion}"), Warning: true);
    }

    private string? Connect()
    {
        var (client, error) = _connect();
        if (client is null)
        {
            return error ?? "no cluster configuration";
        }

        _client = client;
        return null;
    }

    private async Task<string?> QueryAsync(CancellationToken cancellationToken)
    {
        _version = await _client.Version.GetCodeAsync(cancellationToken);
        return null;
    }

    private string? CheckVersion()
    {
        // Linkerd reads gitVersion (major and minor may carry a vendor's "+").
        if (VersionPattern().Match(_version?.GitVersion ?? "") is not { Success: true } match)
        {
            return $"cannot read the Kubernetes version '{_version?.GitVersion}'";
        }

        var running = new Version(
            int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
            int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture),
            int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture));
        return running >= MinimumKubernetesVersion
            ? null
            : $"Kubernetes is on version [{running.ToString(3)}], but version [{MinimumKubernetesVersion.ToString(3)}] or more recent is required";
    }

    [GeneratedRegex(@"^v?(\d+)\.(\d+)\.(\d+)")]
    private static partial Regex VersionPattern();

    private async Task<string?> NamespaceAsync(CancellationToken cancellationToken) =>
        await ReadOrNullAsync(() => _client.CoreV1.ReadNamespaceAsync(InstallNames.Namespace, cancellationToken: cancellationToken)) is null
            ? $"The \"{InstallNames.Namespace}\" namespace does not exist"
            : null;

    private async Task<string?> PodsAsync(CancellationToken cancellationToken)
    {
        // Listed whole and filtered here (a label selector would do the same on the server).
        var pods = (await _client.CoreV1.ListNamespacedPodAsync(InstallNames.Namespace, cancellationToken: cancellationToken)).Items
            .Where(p => p.Metadata?.Labels?.TryGetValue(InstallNames.ComponentLabel, out var component) == true && component == ComponentValue)
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .ToList();
        if (pods.Count == 0)
        {
            return $"No running pods for \"{InstallNames.ControlPlane}\"";
        }

        string? error = null;
        foreach (var pod in pods)
        {
            if (pod.Status?.Phase != "Running")
            {
                error = $"pod/{pod.Metadata.Name} is {pod.Status?.Phase ?? "not running"}";
                continue;
            }

            var statuses = pod.Status.ContainerStatuses ?? [];
            var notReady = (pod.Spec?.Containers ?? []).Select(c => c.Name).FirstOrDefault(name => statuses.FirstOrDefault(s => s.Name == name) is not { Ready: true });
            if (notReady is null)
            {
                return null; // one ready replica serves the mesh
            }

            error = $"pod/{pod.Metadata.Name} container {notReady} is not ready";
        }

        return error;
    }

    private async Task<string?> ClusterRoleAsync(CancellationToken cancellationToken)
    {
        if (await ReadOrNullAsync(() => _client.RbacAuthorizationV1.ReadClusterRoleAsync(InstallNames.ControlPlane, cancellationToken: cancellationToken)) is not { } role)
        {
            return $"missing ClusterRoles: {InstallNames.ControlPlane}";
        }

        // Every grant the install makes must still be there (a rule may grant more, or use "*").
        var rules = role.Rules ?? [];
        var missing = InstallManifests.ControlPlaneRules()
            .SelectMany(r => r.ApiGroups.SelectMany(g => r.Resources.SelectMany(res => r.Verbs.Select(v => (Group: g, Resource: res, Verb: v)))))
            .Where(want => !rules.Any(have => Grants(have.ApiGroups, want.Group) && Grants(have.Resources, want.Resource) && Grants(have.Verbs, want.Verb)))
            .Select(want => $"{want.Verb} {want.Resource}{(want.Group.Length > 0 ? "." + want.Group : "")}")
            .ToList();
        return missing.Count == 0 ? null : $"ClusterRole {InstallNames.ControlPlane} does not grant: {string.Join(", ", missing)}";
    }

    private static bool Grants(IList<string>? granted, string wanted) => granted is not null && (granted.Contains(wanted) || granted.Contains("*"));

    private async Task<string?> ClusterRoleBindingAsync(CancellationToken cancellationToken)
    {
        if (await ReadOrNullAsync(() => _client.RbacAuthorizationV1.ReadClusterRoleBindingAsync(InstallNames.ControlPlane, cancellationToken: cancellationToken)) is not { } binding)
        {
            return $"missing ClusterRoleBindings: {InstallNames.ControlPlane}";
        }

        if (binding.RoleRef is not { Kind: "ClusterRole" } roleRef || roleRef.Name != InstallNames.ControlPlane)
        {
            return $"ClusterRoleBinding {InstallNames.ControlPlane} binds {binding.RoleRef?.Kind} {binding.RoleRef?.Name}, not ClusterRole {InstallNames.ControlPlane}";
        }

        return (binding.Subjects ?? []).Any(s => s.Kind == "ServiceAccount" && s.Name == InstallNames.ControlPlane && s.NamespaceProperty == InstallNames.Namespace)
            ? null
            : $"ClusterRoleBinding {InstallNames.ControlPlane} does not bind the ServiceAccount {InstallNames.Namespace}/{InstallNames.ControlPlane}";
    }

    private async Task<string?> ServiceAccountAsync(CancellationToken cancellationToken) =>
        await ReadOrNullAsync(() => _client.CoreV1.ReadNamespacedServiceAccountAsync(InstallNames.ControlPlane, InstallNames.Namespace, cancellationToken: cancellationToken)) is null
            ? $"missing ServiceAccounts: {InstallNames.ControlPlane}"
            : null;

    private async Task<string?> CrdsAsync(CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        foreach (var expected in CustomResourceDefinitions.All())
        {
            var name = expected.Metadata.Name;
            if (await ReadOrNullAsync(() => _client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(name, cancellationToken: cancellationToken)) is not { } crd)
            {
                problems.Add($"missing {name}");
                continue;
            }

            foreach (var version in expected.Spec.Versions.Select(v => v.Name))
            {
                if (!(crd.Spec?.Versions ?? []).Any(v => v.Name == version && v.Served))
                {
                    problems.Add($"{name} does not serve {version}");
                }
            }
        }

        return problems.Count == 0 ? null : string.Join(", ", problems);
    }

    private async Task<V1MutatingWebhook?> InjectorWebhookAsync(CancellationToken cancellationToken) =>
        (await ReadOrNullAsync(() => _client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(InstallNames.InjectorWebhookConfig, cancellationToken: cancellationToken)))
            ?.Webhooks?.FirstOrDefault(w => w.Name == InstallNames.InjectorWebhook);

    private async Task<string?> WebhookConfigurationAsync(CancellationToken cancellationToken)
    {
        if (await ReadOrNullAsync(() => _client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(InstallNames.InjectorWebhookConfig, cancellationToken: cancellationToken)) is not { } configuration)
        {
            return $"missing MutatingWebhookConfigurations: {InstallNames.InjectorWebhookConfig}";
        }

        if ((configuration.Webhooks ?? []).FirstOrDefault(w => w.Name == InstallNames.InjectorWebhook) is not { } webhook)
        {
            return $"MutatingWebhookConfiguration {InstallNames.InjectorWebhookConfig} has no webhook {InstallNames.InjectorWebhook}";
        }

        var service = webhook.ClientConfig?.Service;
        return service?.Name == InstallNames.InjectorService && service.NamespaceProperty == InstallNames.Namespace
            ? null
            : $"webhook {InstallNames.InjectorWebhook} calls {(service is null ? webhook.ClientConfig?.Url ?? "nothing" : $"the Service {service.NamespaceProperty}/{service.Name}")}, not the Service {InstallNames.Namespace}/{InstallNames.InjectorService}";
    }

    private async Task<string?> CertificateConfigAsync(CancellationToken cancellationToken)
    {
        var anchorSecret = await _client.CoreV1.ReadNamespacedSecretAsync(InstallNames.TrustAnchorSecret, InstallNames.Namespace, cancellationToken: cancellationToken);
        var issuerSecret = await _client.CoreV1.ReadNamespacedSecretAsync(InstallNames.IssuerSecret, InstallNames.Namespace, cancellationToken: cancellationToken);
        if (Certificates(anchorSecret, "ca.crt", out var anchors) is { } anchorError)
        {
            return anchorError;
        }

        if (Certificates(issuerSecret, "tls.crt", out var issuers) is { } issuerError)
        {
            return issuerError;
        }

        var where = $"secret {InstallNames.Namespace}/{InstallNames.IssuerSecret}";
        if (issuerSecret.Data?.TryGetValue("tls.key", out var keyBytes) != true || keyBytes is null)
        {
            return $"{where} has no tls.key";
        }

        // The key is read only to see that it is the issuer certificate's own; it is never printed.
        using var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(Encoding.UTF8.GetString(keyBytes));
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return $"{where}: tls.key is not a PEM ECDSA private key";
        }

        using var certificateKey = issuers[0].GetECDsaPublicKey();
        if (certificateKey is null || !certificateKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            return $"{where}: tls.key is not the private key of its tls.crt";
        }

        _anchors = anchors;
        _issuer = issuers[0];
        return null;
    }

    // A Secret's PEM certificates under key; never its other keys.
    private static string? Certificates(V1Secret secret, string key, out X509Certificate2Collection certificates)
    {
        certificates = [];
        var where = $"secret {secret.Metadata?.NamespaceProperty}/{secret.Metadata?.Name}";
        if (secret.Data?.TryGetValue(key, out var bytes) != true || bytes is null)
        {
            return $"{where} has no {key}";
        }

        try
        {
            certificates.ImportFromPem(Encoding.UTF8.GetString(bytes));
        }
        catch (CryptographicException ex)
        {
            return $"{where}: {key} is not PEM certificates: {ex.Message}";
        }

        return certificates.Count == 0 ? $"{where}: {key} holds no PEM certificate" : null;
    }

    private string? IssuerAlgorithm()
    {
        // The control plane's own rules for an issuer (CertificateAuthorityLoader): an ECDSA key, a CA certificate.
        var issuer = _issuer!;
        using var key = issuer.GetECDsaPublicKey();
        if (key is null)
        {
            return $"issuer certificate has a {issuer.PublicKey.Oid.FriendlyName} key; it must be ECDSA";
        }

        return issuer.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true }
            ? null
            : "issuer certificate is not a CA certificate (basic constraints CA:TRUE missing)";
    }

    private async Task<string?> InjectorCertificateAsync(CancellationToken cancellationToken)
    {
        if (await InjectorWebhookAsync(cancellationToken) is not { } webhook)
        {
            return $"no webhook {InstallNames.InjectorWebhook} in {InstallNames.InjectorWebhookConfig}";
        }

        var bundle = new X509Certificate2Collection();
        try
        {
            bundle.ImportFromPem(Encoding.UTF8.GetString(webhook.ClientConfig?.CaBundle ?? []));
        }
        catch (CryptographicException ex)
        {
            return $"the caBundle of {InstallNames.InjectorWebhookConfig} is not PEM certificates: {ex.Message}";
        }

        if (bundle.Count == 0)
        {
            return $"the caBundle of {InstallNames.InjectorWebhookConfig} holds no certificate";
        }

        var secret = await _client.CoreV1.ReadNamespacedSecretAsync(InstallNames.InjectorTlsSecret, InstallNames.Namespace, cancellationToken: cancellationToken);
        if (Certificates(secret, "tls.crt", out var served) is { } error)
        {
            return error;
        }

        if (Anchors(bundle, "anchors not within their validity period", Validity) is { } anchors)
        {
            return anchors;
        }

        if (Validity(served[0]) is { } validity)
        {
            return $"certificate is {validity}";
        }

        var name = $"{InstallNames.InjectorService}.{InstallNames.Namespace}.svc";
        if (Chain(served[0], bundle, name) is { } chain)
        {
            return $"cert is not issued by the webhook's caBundle: {chain}";
        }

        return null;
    }

    private async Task<string?> InjectorExpiringAsync(CancellationToken cancellationToken)
    {
        var secret = await _client.CoreV1.ReadNamespacedSecretAsync(InstallNames.InjectorTlsSecret, InstallNames.Namespace, cancellationToken: cancellationToken);
        if (Certificates(secret, "tls.crt", out var served) is { } error)
        {
            return error;
        }

        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPem(Encoding.UTF8.GetString((await InjectorWebhookAsync(cancellationToken))?.ClientConfig?.CaBundle ?? []));
        return Anchors(bundle, "Anchors expiring soon", ExpiringSoon)
            ?? (ExpiringSoon(served[0]) is { } soon ? $"certificate {soon}" : null);
    }

    private async Task<string?> ControlPlaneVersionAsync(CancellationToken cancellationToken)
    {
        var deployment = await _client.AppsV1.ReadNamespacedDeploymentAsync(InstallNames.ControlPlane, InstallNames.Namespace, cancellationToken: cancellationToken);
        var image = deployment.Spec?.Template?.Spec?.Containers?.FirstOrDefault(c => c.Name == ComponentValue)?.Image;
        if (image is null)
        {
            return $"deployment {InstallNames.Namespace}/{InstallNames.ControlPlane} has no container {ComponentValue}";
        }

        // registry[:port]/path[:tag][@digest]: the tag follows the last ':' after the last '/'.
        var named = image.Split('@')[0];
        var colon = named.LastIndexOf(':');
        if (colon < 0 || colon < named.LastIndexOf('/'))
        {
            return $"the control plane's image '{image}' names no version tag";
        }

        _controlPlaneVersion = named[(colon + 1)..];
        return null;
    }

    private string? Validity(X509Certificate2 certificate)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (certificate.NotBefore.ToUniversalTime() > now)
        {
            return $"not valid before: {Rfc3339(certificate.NotBefore)}";
        }

        return certificate.NotAfter.ToUniversalTime() < now ? $"not valid anymore. Expired on {Rfc3339(certificate.NotAfter)}" : null;
    }

    private string? ExpiringSoon(X509Certificate2 certificate) =>
        _time.GetUtcNow().UtcDateTime + ExpiryWarning > certificate.NotAfter.ToUniversalTime() ? $"will expire on {Rfc3339(certificate.NotAfter)}" : null;

    private static string Rfc3339(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    // Linkerd's list of anchors that fail: "* <serial> <common name> <why>".
    private static string? Anchors(X509Certificate2Collection anchors, string heading, Func<X509Certificate2, string?> check)
    {
        var failing = anchors.Select(a => check(a) is { } why ? $"* {new BigInteger(a.SerialNumberBytes.Span, isUnsigned: true, isBigEndian: true)} {a.GetNameInfo(X509NameType.SimpleName, false)} {why}" : null).OfType<string>().ToList();
        return failing.Count == 0 ? null : $"{heading}:\n\t{string.Join("\n\t", failing)}";
    }

    // Whether certificate chains to one of roots (and, with a name, is valid for it), as a TLS client would check.
    private string? Chain(X509Certificate2 certificate, X509Certificate2Collection roots, string? name)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        if (!chain.Build(certificate))
        {
            return string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct()) is { Length: > 0 } why ? why : "no chain to a trusted certificate";
        }

        return name is null || certificate.MatchesHostname(name) ? null : $"the certificate is not valid for {name}";
    }

    private static async Task<T?> ReadOrNullAsync<T>(Func<Task<T>> read)
        where T : class
    {
        try
        {
            return await read();
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    // The API server's own words (a Status's message, such as `secrets "x" not found`), else the HTTP status.
    private static string ApiError(HttpOperationException ex)
    {
        try
        {
            if (JsonDocument.Parse(ex.Response.Content ?? "").RootElement.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
            {
                return text;
            }
        }
        catch (JsonException)
        {
            // Not a Status: the code says it.
        }

        return $"the Kubernetes API answered {(int)ex.Response.StatusCode} {ex.Response.ReasonPhrase}";
    }
}
