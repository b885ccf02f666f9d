using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.EndToEnd.Tests.Infrastructure;
using Linnet.Platform.Kubernetes.Injection;
using Linnet.Platform.Kubernetes.Yaml;
using Linnet.Testing;

namespace Linnet.EndToEnd.Tests.Kubernetes;

/// <summary><c>linnet control-plane --platform kubernetes</c> serves the proxy injector itself, with the credentials
/// <c>linnet install</c> generates: the test takes the install's Secrets and its MutatingWebhookConfiguration's
/// caBundle, starts the control plane as the install's Deployment does, and calls it over HTTPS as the API server
/// would (the Service's DNS name, the server's certificate checked against the caBundle alone) with AdmissionReviews
/// for pods in Namespaces it created in the fake API server.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class KubernetesProxyInjectorTests(ITestOutputHelper output)
{
    private const string ServiceHost = "linnet-proxy-injector.linnet.svc";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ControlPlane_InjectorFromInstall_AnnotatedNamespaceInjectedKubeSystemAndPlainNot()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await KubernetesTestCluster.StartAsync("linnet-k8s-injector-", ct);
        // What `linnet install` prints: its Secrets become the control plane's files, as the Deployment mounts them.
        await using var install = await TestProcess.StartAsync("dotnet", [Binaries.Linnet, "install"], cancellationToken: ct);
        Assert.Equal(0, await install.WaitForExitAsync(Timeout, ct));
        var objects = ManifestYaml.Read(install.Output).OfType<JsonObject>().ToList();
        string Secret(string name, string key) =>
            Encoding.UTF8.GetString(Convert.FromBase64String((string)objects.Single(o => (string?)o["kind"] == "Secret" && (string?)o["metadata"]!["name"] == name)["data"]![key]!));
        var caBundle = Encoding.UTF8.GetString(Convert.FromBase64String((string)objects.Single(o => (string?)o["kind"] == "MutatingWebhookConfiguration")["webhooks"]![0]!["clientConfig"]!["caBundle"]!));
        var files = new Dictionary<string, string>
        {
            ["trust-anchor.crt"] = Secret("linnet-identity-trust-anchor", "ca.crt"),
            ["issuer.crt"] = Secret("linnet-identity-issuer", "tls.crt"),
            ["issuer.key"] = Secret("linnet-identity-issuer", "tls.key"),
            ["injector.crt"] = Secret("linnet-proxy-injector-tls", "tls.crt"),
            ["injector.key"] = Secret("linnet-proxy-injector-tls", "tls.key"),
        };
        foreach (var (name, text) in files)
        {
            File.WriteAllText(cluster.PathOf(name), text);
            File.SetUnixFileMode(cluster.PathOf(name), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await CreateNamespaceAsync(cluster, "shop", enabled: true, ct);
        await CreateNamespaceAsync(cluster, "plain", enabled: false, ct);
        // Annotated too: kube-system is never injected, whatever it says.
        await CreateNamespaceAsync(cluster, "kube-system", enabled: true, ct);

        var port = PortAllocator.GetFreeTcpPort();
        string F(string name) => cluster.PathOf(name);
        await using var mesh = await cluster.StartControlPlaneAsync(output, [
            "--identity-trust-anchors-file", F("trust-anchor.crt"), "--identity-issuer-certificate-file", F("issuer.crt"), "--identity-issuer-key-file", F("issuer.key"),
            "--injector-certificate-file", F("injector.crt"), "--injector-key-file", F("injector.key"), "--injector-listen", $"127.0.0.1:{port}",
            "--proxy-image", "registry.test/linnet/proxy:9.9.9", "--init-image", "registry.test/linkerd/proxy-init:v9.9.9", "--default-inbound-policy", "deny"], ct);

        using var ca = X509Certificate2.CreateFromPem(caBundle);
        using var client = Client(ca, port);
        // It listens once the Namespaces are listed; until then the connection is refused.
        JsonNode? shop = null;
        await Eventually.UntilAsync(
            async () => (shop = await TryReviewAsync(client, Review("shop"), ct)) is not null,
            Timeout,
            "the proxy injector answering over HTTPS",
            ct,
            mesh.ControlPlaneTail);

        var response = shop!["response"]!;
        Assert.True((bool)response["allowed"]!);
        Assert.Equal("JSONPatch", (string?)response["patchType"]);
        var pod = (JsonObject)JsonNode.Parse(Pod("shop"))!;
        JsonPatch.Apply(pod, (JsonArray)JsonNode.Parse(Convert.FromBase64String((string)response["patch"]!))!);
        var initContainers = pod["spec"]!["initContainers"]!.AsArray();
        Assert.Equal([ProxyInjector.InitContainer, ProxyInjector.ProxyContainer], initContainers.Select(c => (string)c!["name"]!));
        Assert.Equal("registry.test/linnet/proxy:9.9.9", (string?)initContainers[1]!["image"]);
        Assert.Equal("registry.test/linkerd/proxy-init:v9.9.9", (string?)initContainers[0]!["image"]);
        Assert.Equal("--firewall-bin-path", (string?)initContainers[0]!["args"]![0]);
        // The proxy trusts the install's trust anchor (the control plane's own, from its file).
        var proxyConfig = (string)initContainers[1]!["env"]!.AsArray().Single(e => (string?)e!["name"] == "LINNET_PROXY_CONFIG")!["value"]!;
        var anchorBody = files["trust-anchor.crt"].Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Trim();
        Assert.Contains(anchorBody, proxyConfig, StringComparison.Ordinal);
        Assert.Contains("spiffe://cluster.local/ns/$(LINNET_POD_NS)/sa/$(LINNET_POD_SA)", proxyConfig, StringComparison.Ordinal);
        // Neither the pod nor its namespace names a default policy: the install's (--default-inbound-policy) applies.
        Assert.Contains("  defaultPolicy: deny\n", proxyConfig, StringComparison.Ordinal);

        foreach (var ns in new[] { "kube-system", "plain" })
        {
            var answer = await TryReviewAsync(client, Review(ns), ct);
            Assert.NotNull(answer);
            Assert.True((bool)answer["response"]!["allowed"]!);
            Assert.Null(answer["response"]!["patch"]);
        }

        // A namespace annotated after the start: the informer's watch brings it to the injector.
        await CreateNamespaceAsync(cluster, "later", enabled: true, ct);
        await Eventually.UntilAsync(
            async () => (await TryReviewAsync(client, Review("later"), ct))?["response"]?["patch"] is not null,
            Timeout,
            "a pod of a namespace annotated after the start injected",
            ct,
            mesh.ControlPlaneTail);

        // A client trusting another CA does not complete the handshake.
        using var otherCa = X509Certificate2.CreateFromPem(files["trust-anchor.crt"]);
        using var distrustful = Client(otherCa, port);
        await Assert.ThrowsAsync<HttpRequestException>(() => distrustful.PostAsync(new Uri($"https://{ServiceHost}:{port}/inject"), new StringContent(Review("shop"), Encoding.UTF8, "application/json"), ct));

        await mesh.DownAsync(ct);
    }

    // As the API server: connects to the injector's address, names the Service in SNI and the URL, and trusts the
    // webhook configuration's caBundle alone.
    private static HttpClient Client(X509Certificate2 ca, int port)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    // The name must match; the chain must end at the caBundle.
                    if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    using var leaf = new X509Certificate2(certificate);
                    return chain.Build(leaf);
                },
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }

    private static async Task<JsonNode?> TryReviewAsync(HttpClient client, string review, CancellationToken ct)
    {
        try
        {
            using var response = await client.PostAsync(new Uri($"https://{ServiceHost}/inject"), new StringContent(review, Encoding.UTF8, "application/json"), ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
            return JsonNode.Parse(text);
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            return null; // not listening yet
        }
    }

    private static Task<JsonObject> CreateNamespaceAsync(KubernetesTestCluster cluster, string name, bool enabled, CancellationToken ct)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (enabled)
        {
            metadata["annotations"] = new JsonObject { ["linkerd.io/inject"] = "enabled" };
        }

        return cluster.CreateAsync("/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = metadata }, ct);
    }

    private static string Pod(string ns) => $$"""
        {
          "apiVersion": "v1", "kind": "Pod",
          "metadata": {
            "generateName": "web-5d8f7c9b4-", "namespace": "{{ns}}", "labels": { "app": "web", "pod-template-hash": "5d8f7c9b4" },
            "ownerReferences": [ { "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d8f7c9b4", "uid": "6b2f", "controller": true, "blockOwnerDeletion": true } ]
          },
          "spec": { "serviceAccountName": "web", "containers": [ { "name": "web", "image": "example/web:1", "ports": [ { "containerPort": 8080 } ] } ] }
        }
        """;

    // An AdmissionReview v1 as the API server sends it for a ReplicaSet controller's pod.
    private static string Review(string ns) => $$"""
        {
          "apiVersion": "admission.k8s.io/v1",
          "kind": "AdmissionReview",
          "request": {
            "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
            "kind": { "group": "", "version": "v1", "kind": "Pod" },
            "resource": { "group": "", "version": "v1", "resource": "pods" },
            "requestKind": { "group": "", "version": "v1", "kind": "Pod" },
            "requestResource": { "group": "", "version": "v1", "resource": "pods" },
            "namespace": "{{ns}}",
            "operation": "CREATE",
            "userInfo": { "username": "system:serviceaccount:kube-system:replicaset-controller", "uid": "1d0a8f3c", "groups": [ "system:serviceaccounts", "system:authenticated" ] },
            "object": {{Pod(ns)}},
            "oldObject": null,
            "dryRun": false,
            "options": { "apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions" }
          }
        }
        """;
}
