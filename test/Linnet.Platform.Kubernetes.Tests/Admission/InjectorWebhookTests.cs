using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Identity;
using Linnet.Platform.Kubernetes.Admission;
using Linnet.Platform.Kubernetes.Install;
using Linnet.Platform.Kubernetes.Tests.Injection;

namespace Linnet.Platform.Kubernetes.Tests.Admission;

/// <summary>The injector called as the API server calls it: HTTPS to the Service's name, verified against the
/// caBundle, an AdmissionReview v1 as the API server shapes it; the patch it returns applied by kubectl.</summary>
public sealed class InjectorWebhookTests
{
    private const string ServiceName = "linnet-proxy-injector.linnet.svc";

    private static readonly Dictionary<string, IReadOnlyDictionary<string, string>> Namespaces = new()
    {
        ["meshed"] = new Dictionary<string, string> { ["linkerd.io/inject"] = "enabled" },
        ["plain"] = new Dictionary<string, string>(),
    };

    private static string Review(string ns, string pod, string kind = "Pod", string operation = "CREATE") => $$"""
        {
          "apiVersion": "admission.k8s.io/v1",
          "kind": "AdmissionReview",
          "request": {
            "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
            "kind": { "group": "", "version": "v1", "kind": "{{kind}}" },
            "resource": { "group": "", "version": "v1", "resource": "pods" },
            "requestKind": { "group": "", "version": "v1", "kind": "{{kind}}" },
            "requestResource": { "group": "", "version": "v1", "resource": "pods" },
            "namespace": "{{ns}}",
            "operation": "{{operation}}",
            "userInfo": { "username": "system:serviceaccount:kube-system:replicaset-controller", "uid": "1d0a8f3c", "groups": [ "system:serviceaccounts", "system:authenticated" ] },
            "object": {{pod}},
            "oldObject": null,
            "dryRun": false,
            "options": { "apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions" }
          }
        }
        """;

    // A pod as the ReplicaSet controller creates it: generateName, owner, no name yet.
    private const string ReplicaSetPod = """
        {
          "apiVersion": "v1", "kind": "Pod",
          "metadata": {
            "generateName": "web-5d8f7c9b4-", "namespace": "meshed", "labels": { "app": "web", "pod-template-hash": "5d8f7c9b4" },
            "ownerReferences": [ { "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d8f7c9b4", "uid": "6b2f", "controller": true, "blockOwnerDeletion": true } ]
          },
          "spec": { "serviceAccountName": "web", "containers": [ { "name": "web", "image": "example/web:1", "ports": [ { "containerPort": 8080 } ] } ] }
        }
        """;

    [Fact]
    public async Task Post_PodInMeshedNamespace_AllowedWithAPatchKubectlAppliesIntoAnInjectedPod()
    {
        await using var webhook = await StartAsync();
        using var client = Client(webhook);

        var review = await PostReviewAsync(client, Review("meshed", ReplicaSetPod));

        var response = review["response"]!;
        Assert.Equal("admission.k8s.io/v1", (string?)review["apiVersion"]);
        Assert.Equal("AdmissionReview", (string?)review["kind"]);
        Assert.Equal("705ab4f5-6393-11e8-b7cc-42010a800002", (string?)response["uid"]);
        Assert.True((bool)response["allowed"]!);
        Assert.Equal("JSONPatch", (string?)response["patchType"]);
        var patch = Encoding.UTF8.GetString(Convert.FromBase64String((string)response["patch"]!));
        var file = Path.Combine(Path.GetTempPath(), $"linnet-admission-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, ReplicaSetPod, TestContext.Current.CancellationToken);
        try
        {
            var pod = JsonNode.Parse(await Kubectl.RunAsync("patch", "--local", "-f", file, "--type=json", "-p", patch, "-o", "json"))!;

            Assert.Equal(["linnet-init", "linnet-proxy"], pod["spec"]!["initContainers"]!.AsArray().Select(c => (string)c!["name"]!));
            Assert.Equal("Always", (string?)pod["spec"]!["initContainers"]![1]!["restartPolicy"]);
            Assert.Equal(["web"], pod["spec"]!["containers"]!.AsArray().Select(c => (string)c!["name"]!));
            Assert.Equal(["linnet-proxy-init-xtables-lock", "linnet-identity-token"], pod["spec"]!["volumes"]!.AsArray().Select(v => (string)v!["name"]!));
            // The proxy's metrics name the Deployment: the ReplicaSet's name less the pod-template hash.
            var config = (string)pod["spec"]!["initContainers"]![1]!["env"]!.AsArray().Single(e => (string?)e!["name"] == "LINNET_PROXY_CONFIG")!["value"]!;
            Assert.Contains("  name: web\n", config, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Post_PodInPlainNamespace_AllowedUnchanged()
    {
        await using var webhook = await StartAsync();
        using var client = Client(webhook);

        var response = (await PostReviewAsync(client, Review("plain", ReplicaSetPod.Replace("\"namespace\": \"meshed\"", "\"namespace\": \"plain\"", StringComparison.Ordinal))))["response"]!;

        Assert.True((bool)response["allowed"]!);
        Assert.Null(response["patch"]);
    }

    [Fact]
    public async Task Post_PodWithRefusedAnnotation_DeniedWithTheReason()
    {
        await using var webhook = await StartAsync();
        using var client = Client(webhook);
        var pod = ReplicaSetPod.Replace("\"labels\":", "\"annotations\": { \"config.linkerd.io/proxy-log-level\": \"loud\" }, \"labels\":", StringComparison.Ordinal);

        var response = (await PostReviewAsync(client, Review("meshed", pod)))["response"]!;

        Assert.False((bool)response["allowed"]!);
        Assert.Equal(422, (int)response["status"]!["code"]!);
        Assert.Contains("metadata.annotations[config.linkerd.io/proxy-log-level]: 'loud' is not a level", (string?)response["status"]!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_NotAPodCreate_AllowedUnchanged()
    {
        await using var webhook = await StartAsync();
        using var client = Client(webhook);

        var response = (await PostReviewAsync(client, Review("meshed", ReplicaSetPod, operation: "UPDATE")))["response"]!;

        Assert.True((bool)response["allowed"]!);
        Assert.Null(response["patch"]);
    }

    [Theory]
    [InlineData("GET", "application/json", "{}", "/inject", HttpStatusCode.MethodNotAllowed)]
    [InlineData("POST", "text/plain", "{}", "/inject", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("POST", "application/json", "{ not json", "/inject", HttpStatusCode.BadRequest)]
    [InlineData("POST", "application/json", "{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"x\"}}", "/inject", HttpStatusCode.BadRequest)]
    [InlineData("POST", "application/json", "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{}}", "/inject", HttpStatusCode.BadRequest)]
    [InlineData("POST", "application/json", "{}", "/other", HttpStatusCode.NotFound)]
    public async Task Send_NotAnAdmissionReview_RefusedWithTheStatus(string method, string contentType, string body, string path, HttpStatusCode expected)
    {
        await using var webhook = await StartAsync();
        using var client = Client(webhook);
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue(contentType)) };

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Post_LargerThanTheApiServersLimit_Refused413()
    {
        await using var webhook = await StartAsync();
        using var client = Client(webhook);
        var huge = Review("meshed", ReplicaSetPod.Replace("\"example/web:1\"", $"\"example/web:1\", \"args\": [\"{new string('a', 4 * 1024 * 1024)}\"]", StringComparison.Ordinal));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/inject") { Content = new StringContent(huge, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Connect_ClientCasConfiguredAndNoClientCertificate_HandshakeRefused()
    {
        var credentials = InstallCredentials.Generate("cluster.local", TimeProvider.System);
        var now = TimeProvider.System.GetUtcNow();
        using var clientCa = CertificateAuthorityLoader.CreateTrustAnchor("api-server-clients", now.AddMinutes(-1), now.AddHours(1));
        await using var webhook = await StartAsync(credentials, new X509Certificate2Collection(X509CertificateLoader.LoadCertificate(clientCa.RawData)));

        using var anonymous = Client(webhook, credentials);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => anonymous.PostAsync("/inject", new StringContent(Review("meshed", ReplicaSetPod), Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken));

        using var apiServer = ClientCertificate(clientCa);
        using var authenticated = Client(webhook, credentials, apiServer);
        var review = await PostReviewAsync(authenticated, Review("meshed", ReplicaSetPod));
        Assert.True((bool)review["response"]!["allowed"]!);
    }

    private static readonly InstallCredentials Credentials = InstallCredentials.Generate("cluster.local", TimeProvider.System);

    private static Task<InjectorWebhook> StartAsync(InstallCredentials? credentials = null, X509Certificate2Collection? clientCas = null)
    {
        credentials ??= Credentials;
        var certificate = X509Certificate2.CreateFromPem(credentials.WebhookCertificatePem, credentials.WebhookKeyPem);
        return InjectorWebhook.StartAsync(
            new InjectorWebhookOptions
            {
                EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
                Certificate = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null),
                ClientCertificateAuthorities = clientCas,
                Settings = InjectFixture.Settings,
                NamespaceAnnotations = ns => Namespaces.TryGetValue(ns, out var a) ? a : new Dictionary<string, string>(),
            },
            cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>An HTTPS client that, like the API server, dials the Service's name (here: the loopback port) and
    /// trusts only the caBundle.</summary>
    private static HttpClient Client(InjectorWebhook webhook, InstallCredentials? credentials = null, X509Certificate2? clientCertificate = null)
    {
        var ca = X509Certificate2.CreateFromPem((credentials ?? Credentials).WebhookCaPem);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, webhook.EndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { ca },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri($"https://{ServiceName}:{webhook.EndPoint.Port}") };
    }

    private static X509Certificate2 ClientCertificate(X509Certificate2 ca)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kube-apiserver", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        // Within the issuer's own validity: a notAfter past the CA's is refused by CertificateRequest.Create.
        using var issued = request.Create(ca, ca.NotBefore, ca.NotAfter, [1, 2, 3, 4]);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private static async Task<JsonNode> PostReviewAsync(HttpClient client, string review)
    {
        using var response = await client.PostAsync("/inject", new StringContent(review, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {body}");
        return JsonNode.Parse(body)!;
    }
}
