using System.Net;
using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Core.Translation;

namespace Linnet.ControlPlane;

/// <summary>What is fixed for a control plane process: where it listens and how it names identities.</summary>
public sealed record ControlPlaneOptions
{
    /// <summary>Linkerd's destination port.</summary>
    public const int DefaultGrpcPort = 8086;

    /// <summary>Linkerd's dashboard and API port.</summary>
    public const int DefaultHttpPort = 8084;

    /// <summary>The longest lifetime the token API grants a workload token unless configured otherwise.</summary>
    public static readonly TimeSpan DefaultTokenMaxLifetime = TimeSpan.FromHours(24);

    /// <summary>Where the mesh's resources come from (universal mode by default).</summary>
    public ControlPlanePlatform Platform { get; init; } = ControlPlanePlatform.Universal;

    /// <summary>Where Services' endpoints come from: on Kubernetes its EndpointSlices, in universal mode the instances
    /// their selectors match.</summary>
    public EndpointSource Endpoints => Platform == ControlPlanePlatform.Kubernetes ? EndpointSource.EndpointSlices : EndpointSource.Selector;

    /// <summary>Why the HTTP API does not write resources on this platform; null where it does.</summary>
    public string? ReadOnlyResourcesReason => Platform == ControlPlanePlatform.Kubernetes
        ? "on Kubernetes the mesh's resources come from the cluster: write them with kubectl (kubectl apply -f, kubectl delete); the control plane mirrors them"
        : null;

    /// <summary>Where the Destination and Identity gRPC APIs listen. Loopback by default; proxies on other hosts
    /// need an address they can reach, given explicitly.</summary>
    public IPEndPoint GrpcListen { get; init; } = new(IPAddress.Loopback, DefaultGrpcPort);

    /// <summary>Where the JSON HTTP API listens (HTTP/1.1, plaintext): loopback only, refused at start
    /// otherwise (reach it from elsewhere through an SSH tunnel).</summary>
    public IPEndPoint HttpListen { get; init; } = new(IPAddress.Loopback, DefaultHttpPort);

    /// <summary>The admin credential's file (created on first start, 0600); null keeps a fresh one in memory
    /// only (a throwaway control plane: the demo, tests).</summary>
    public string? AdminCredentialFile { get; init; }

    /// <summary>Host names (besides IP addresses and <c>localhost</c>) the HTTP API answers to; any other
    /// Host header is refused (DNS rebinding).</summary>
    public IReadOnlyList<string> ApiHostNames { get; init; } = [];

    /// <summary>The longest lifetime <c>POST /api/v1/tokens</c> grants; longer requests are refused.</summary>
    public TimeSpan TokenMaxLifetime { get; init; } = DefaultTokenMaxLifetime;

    /// <summary>The default trust domain (Kubernetes' cluster domain, as Linkerd's).</summary>
    public const string DefaultTrustDomainName = MeshTranslator.DefaultTrustDomain;

    /// <summary>The trust domain in workload identities (<c>spiffe://&lt;domain&gt;/ns/…/sa/…</c>).</summary>
    public string TrustDomain { get; init; } = MeshTranslator.DefaultTrustDomain;

    /// <summary>The certificate authority and workload tokens: where their files live, or the user's own CA.</summary>
    public IdentityOptions Identity { get; init; } = new();

    /// <summary>The shortest gap between two updates to one subscriber; changes inside it are coalesced.
    /// The first change after a quiet period is sent at once.</summary>
    public TimeSpan UpdateInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Header names (lower case) that tap redacts besides authorization, cookie, set-cookie and
    /// proxy-authorization (<c>--tap-secret-header</c>).</summary>
    public IReadOnlyList<string> TapSecretHeaders { get; init; } = [];

    /// <summary>The first port that admission may assign as a Service's local port.</summary>
    public int LocalPortFirst { get; init; } = 20000;

    /// <summary>The last port that admission may assign as a Service's local port.</summary>
    public int LocalPortLast { get; init; } = 29999;

    /// <summary>The mesh-wide default inbound policy (Linkerd's <c>proxy.defaultInboundPolicy</c>) for ports no
    /// Server covers on workloads without a <c>config.linkerd.io/default-inbound-policy</c> annotation.</summary>
    public string DefaultInboundPolicy { get; init; } = Linnet.Api.Policy.DefaultInboundPolicies.AllUnauthenticated;

    /// <summary>Where the mesh's traffic figures come from (embedded scraper or a real Prometheus).</summary>
    public Metrics.MetricsOptions Metrics { get; init; } = new();

    /// <summary>How long a stop waits for in-flight requests.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The Basic credentials Keel-style registry webhooks (<c>/v1/webhooks/*</c>) must send; null turns
    /// the webhooks off.</summary>
    public Updates.WebhookCredentials? WebhookCredentials { get; init; }

    /// <summary>The secret GitHub signs <c>/v1/webhooks/github</c> deliveries with (<c>X-Hub-Signature-256</c>);
    /// when set, that webhook takes a valid signature instead of the Basic credentials, and refuses a delivery
    /// without one.</summary>
    public Updates.GitHubWebhookSecret? GitHubWebhookSecret { get; init; }

    /// <summary>The people who may vote on image updates besides the admin (<c>/v1/approvals</c>); none by default.</summary>
    public Security.ApproverCredentials Approvers { get; init; } = Security.ApproverCredentials.None;

    /// <summary>Where notifications (image updates, approvals, canary alerts) go; none by default.</summary>
    public Core.Notifications.NotificationConfig Notifications { get; init; } = Core.Notifications.NotificationConfig.None;

    /// <summary>The registry host JFrog webhook image names are under (Keel's <c>PRIVATE_REGISTRY</c>); null reads
    /// them as Docker Hub names.</summary>
    public string? JfrogRegistry { get; init; }
}
