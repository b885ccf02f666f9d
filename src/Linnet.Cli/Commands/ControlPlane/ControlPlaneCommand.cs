using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Linnet.Cli.Processes;
using Linnet.Api.Yaml;
using Linnet.ControlPlane;
using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Kubernetes.Cluster;
using Linnet.ControlPlane.Security;
using Linnet.Platform.Universal.Isolation;
using Linnet.Platform.Universal.Store;
using Linnet.Platform.Universal.Supervisor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Cli.Commands.ControlPlane;

/// <summary>Builds <c>linnet control-plane</c>: the control plane in the foreground. In universal mode: the store on
/// disk under the data directory, the Destination API, the HTTP API, and the supervisor that runs workloads as
/// processes (<c>linnet up</c> starts this in the background). With <c>--platform kubernetes</c>: the same core over a
/// mirror of the cluster (informers, status written back by the Lease holder, identities from service-account
/// tokens), without supervisor, and with the HTTP API's apply and delete refused.</summary>
internal static class ControlPlaneCommand
{
    /// <summary>Where proxies connect; <c>linnet up</c> forwards its own.</summary>
    public static Option<string> GrpcListenOption() => new("--grpc-listen") { Description = "Where proxies connect (gRPC; or LINNET_GRPC_LISTEN).", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("LINNET_GRPC_LISTEN") ?? $"127.0.0.1:{ControlPlaneOptions.DefaultGrpcPort}" };

    /// <summary>The first instance address; <c>linnet up</c> forwards its own.</summary>
    public static Option<string?> FirstAddressOption() => new("--first-address") { Description = "The first loopback address given to instances (default 127.1.0.1); lets several meshes share a host." };

    public static Command Create()
    {
        var grpcListen = GrpcListenOption();
        var firstAddress = FirstAddressOption();
        var anchorsFile = new Option<string?>("--identity-trust-anchors-file") { Description = "Your own trust anchors (PEM bundle; several during a rotation) instead of the generated CA." };
        var issuerCertificateFile = new Option<string?>("--identity-issuer-certificate-file") { Description = "Your own issuer certificate (PEM), chaining to one of the trust anchors." };
        var issuerKeyFile = new Option<string?>("--identity-issuer-key-file") { Description = "The issuer's private key (PEM)." };
        var trustDomain = new Option<string>("--identity-trust-domain") { Description = "The trust domain of workload identities.", DefaultValueFactory = _ => ControlPlaneOptions.DefaultTrustDomainName };
        var lifetime = new Option<string>("--identity-issuance-lifetime") { Description = "How long workload certificates are valid.", DefaultValueFactory = _ => "24h" };
        var prometheusUrl = new Option<string?>("--prometheus-url") { Description = "A Prometheus that scrapes the proxies (http_sd_configs at /api/v1/metrics/targets); stat, edges and routes query it instead of the embedded scraper." };
        var scrapeInterval = new Option<string>("--metrics-scrape-interval") { Description = "How often the embedded scraper scrapes every proxy.", DefaultValueFactory = _ => "5s" };
        var retention = new Option<string>("--metrics-retention") { Description = "How long the embedded scraper keeps samples (the longest window).", DefaultValueFactory = _ => "15m" };
        var tokenMaxLifetime = new Option<string>("--token-max-lifetime") { Description = "The longest lifetime `linnet token create` may ask for.", DefaultValueFactory = _ => "24h" };
        var apiHostNames = new Option<string[]>("--api-host-name") { Description = "A host name the HTTP API answers to besides IP addresses and localhost (repeatable).", AllowMultipleArgumentsPerToken = true };
        var webhookCredentials = new Option<string?>("--webhook-credentials-file") { Description = "A file (chmod 600) holding user:password that registries send to /v1/webhooks/* (Basic); without it the webhooks are off." };
        var githubSecret = new Option<string?>("--github-webhook-secret-file") { Description = "A file (chmod 600) holding the secret of a GitHub webhook: /v1/webhooks/github then takes deliveries signed with it (X-Hub-Signature-256) instead of Basic credentials." };
        var approversFile = new Option<string?>("--approvers-file") { Description = "A file (chmod 600) of name:token lines: people who may vote on image updates (keel.sh/approvals) at /v1/approvals, and call nothing else." };
        var notificationsFile = new Option<string?>("--notifications-file") { Description = "A JSON file (chmod 600) naming where notifications go: Slack, Teams, Discord, Mattermost, Rocket.Chat, Google Chat webhooks, Keel's generic webhook, e-mail (docs/notifications.md)." };
        var jfrogRegistry = new Option<string?>("--jfrog-registry") { Description = "The registry host that JFrog webhook image names are under (Keel's PRIVATE_REGISTRY); without it they are Docker Hub names." };
        var isolation = new IsolationFlags();
        var platform = new Option<string>("--platform") { Description = "Where the mesh's resources come from: universal (this host, linnet apply) or kubernetes (the cluster's objects, mirrored; kubectl writes them).", DefaultValueFactory = _ => "universal" };
        platform.AcceptOnlyFromAmong("universal", "kubernetes");
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "With --platform kubernetes: the kubeconfig file (default KUBECONFIG, ~/.kube/config, or the pod's in-cluster configuration)." };
        var injectorCertificate = new Option<string?>("--injector-certificate-file") { Description = "With --platform kubernetes: the proxy injector's serving certificate (PEM; the linnet-proxy-injector-tls Secret's tls.crt). With it and --injector-key-file the control plane serves the admission webhook." };
        var injectorKey = new Option<string?>("--injector-key-file") { Description = "With --platform kubernetes: the injector certificate's private key (PEM, chmod 600)." };
        var injectorListen = new Option<string>("--injector-listen") { Description = "With --platform kubernetes: where the proxy injector listens (HTTPS).", DefaultValueFactory = _ => $"0.0.0.0:{Linnet.Platform.Kubernetes.InstallNames.InjectorPort}" };
        var proxyImage = new Option<string>("--proxy-image") { Description = "With --platform kubernetes: the proxy image the injector adds to pods.", DefaultValueFactory = _ => new Linnet.Platform.Kubernetes.Install.InstallOptions().ProxyImage };
        var initImage = Linnet.Cli.Commands.Install.InjectionFlags.InitImage();
        var defaultPolicy = Linnet.Cli.Commands.Install.InjectionFlags.DefaultInboundPolicy("The mesh's default inbound policy where a workload (on a cluster: a pod and its namespace) sets no config.linkerd.io/default-inbound-policy: all-unauthenticated, all-authenticated, deny or audit.");
        var tapSecretHeaders = new Option<string[]>("--tap-secret-header") { Description = "A header tap redacts besides authorization, cookie, set-cookie and proxy-authorization (repeatable).", AllowMultipleArgumentsPerToken = true };
        var command = new Command("control-plane", "Run the control plane in the foreground: with the universal supervisor, or over a Kubernetes cluster (--platform kubernetes).")
        {
            platform, kubeconfig, injectorCertificate, injectorKey, injectorListen, proxyImage, initImage, defaultPolicy, grpcListen, firstAddress, anchorsFile, issuerCertificateFile, issuerKeyFile, trustDomain, lifetime, tokenMaxLifetime, apiHostNames, tapSecretHeaders, webhookCredentials, githubSecret, approversFile, notificationsFile, jfrogRegistry, prometheusUrl, scrapeInterval, retention,
        };
        foreach (var option in isolation.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!TryParse(parse, grpcListen, firstAddress, out var grpc, out var first, out var error))
            {
                await Console.Error.WriteLineAsync(error);
                return ExitCodes.Invalid;
            }

            if (Linnet.Cli.Commands.Install.InjectionFlags.PolicyError(parse.GetValue(defaultPolicy)!) is { } policyError)
            {
                await Console.Error.WriteLineAsync(policyError);
                return ExitCodes.Invalid;
            }

            KubernetesSource? cluster = null;
            Linnet.Platform.Kubernetes.Admission.ProxyInjectorOptions? injector = null;
            IsolationOptions? pods = null;
            if (parse.GetValue(platform) == "kubernetes")
            {
                // The cluster runs the workloads: what only the universal supervisor honours is refused, not ignored.
                if (isolation.All.Prepend(firstAddress).FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } universalOnly)
                {
                    await Console.Error.WriteLineAsync($"{universalOnly.Name}: universal mode only; with --platform kubernetes the workloads are the cluster's pods");
                    return ExitCodes.Invalid;
                }

                if (!KubernetesSource.TryCreate(parse.GetValue(kubeconfig), out cluster, out error))
                {
                    await Console.Error.WriteLineAsync(error);
                    return ExitCodes.Invalid;
                }

                if (!TryInjector(parse.GetValue(injectorCertificate), parse.GetValue(injectorKey), parse.GetValue(injectorListen)!, parse.GetValue(proxyImage)!, parse.GetValue(initImage)!, out injector, out error))
                {
                    await Console.Error.WriteLineAsync(error);
                    return ExitCodes.Invalid;
                }
            }
            else
            {
                if (new Option[] { kubeconfig, injectorCertificate, injectorKey, injectorListen, proxyImage, initImage }.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } kubernetesOnly)
                {
                    await Console.Error.WriteLineAsync($"{kubernetesOnly.Name}: only with --platform kubernetes");
                    return ExitCodes.Invalid;
                }

                if (!isolation.TryParse(parse, out pods, out var notIsolated, out error))
                {
                    await Console.Error.WriteLineAsync(error);
                    return ExitCodes.Invalid;
                }

                if (notIsolated is not null)
                {
                    Console.WriteLine($"linnet control plane: instances are NOT isolated ({notIsolated}): every workload runs as this user and can reach every instance's ports");
                }
            }

            if (!DurationParser.TryParse(parse.GetValue(lifetime)!, out var issuanceLifetime) || issuanceLifetime < TimeSpan.FromSeconds(1))
            {
                await Console.Error.WriteLineAsync($"--identity-issuance-lifetime: '{parse.GetValue(lifetime)}' is not a duration of at least 1s");
                return ExitCodes.Invalid;
            }

            if (!TryMetrics(parse.GetValue(prometheusUrl), parse.GetValue(scrapeInterval)!, parse.GetValue(retention)!, out var metrics, out var metricsError))
            {
                await Console.Error.WriteLineAsync(metricsError);
                return ExitCodes.Invalid;
            }

            if (!DurationParser.TryParse(parse.GetValue(tokenMaxLifetime)!, out var maxTokenLifetime) || maxTokenLifetime < TimeSpan.FromSeconds(1))
            {
                await Console.Error.WriteLineAsync($"--token-max-lifetime: '{parse.GetValue(tokenMaxLifetime)}' is not a duration of at least 1s");
                return ExitCodes.Invalid;
            }

            var identity = new IdentityOptions
            {
                TrustAnchorsFile = parse.GetValue(anchorsFile),
                IssuerCertificateFile = parse.GetValue(issuerCertificateFile),
                IssuerKeyFile = parse.GetValue(issuerKeyFile),
                CertificateLifetime = issuanceLifetime,
            };
            Linnet.ControlPlane.Updates.WebhookCredentials? webhooks = null;
            if (parse.GetValue(webhookCredentials) is { } webhookFile)
            {
                try
                {
                    webhooks = Linnet.ControlPlane.Updates.WebhookCredentials.FromFile(webhookFile);
                }
                catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
                {
                    await Console.Error.WriteLineAsync($"--webhook-credentials-file: {ex.Message}");
                    return ExitCodes.Invalid;
                }
            }

            Linnet.ControlPlane.Updates.GitHubWebhookSecret? github = null;
            if (parse.GetValue(githubSecret) is { } githubFile)
            {
                try
                {
                    github = Linnet.ControlPlane.Updates.GitHubWebhookSecret.FromFile(githubFile);
                }
                catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
                {
                    await Console.Error.WriteLineAsync($"--github-webhook-secret-file: {ex.Message}");
                    return ExitCodes.Invalid;
                }
            }

            var approvers = Linnet.ControlPlane.Security.ApproverCredentials.None;
            if (parse.GetValue(approversFile) is { } approversPath)
            {
                try
                {
                    approvers = Linnet.ControlPlane.Security.ApproverCredentials.FromFile(approversPath);
                }
                catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
                {
                    await Console.Error.WriteLineAsync($"--approvers-file: {ex.Message}");
                    return ExitCodes.Invalid;
                }
            }

            var notifications = Linnet.ControlPlane.Core.Notifications.NotificationConfig.None;
            if (parse.GetValue(notificationsFile) is { } notificationsPath)
            {
                try
                {
                    notifications = Linnet.ControlPlane.Core.Notifications.NotificationConfig.FromFile(notificationsPath);
                }
                catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
                {
                    await Console.Error.WriteLineAsync($"--notifications-file: {ex.Message}");
                    return ExitCodes.Invalid;
                }
            }

            var jfrog = parse.GetValue(jfrogRegistry);
            if (jfrog is not null && (!Linnet.Registry.ImageReference.TryParse(jfrog + "/x:1", out var jfrogImage, out _) || jfrogImage.Registry != jfrog))
            {
                await Console.Error.WriteLineAsync($"--jfrog-registry: '{jfrog}' is not a registry host (host or host:port)");
                return ExitCodes.Invalid;
            }

            var secretHeaders = parse.GetValue(tapSecretHeaders) ?? [];
            if (secretHeaders.FirstOrDefault(h => !Linnet.Api.Validation.HttpSyntax.IsToken(h)) is { } badHeader)
            {
                await Console.Error.WriteLineAsync($"--tap-secret-header: '{badHeader}' is not a header name");
                return ExitCodes.Invalid;
            }

            var security = new ApiSecurity(maxTokenLifetime, parse.GetValue(apiHostNames) ?? []) { TapSecretHeaders = [.. secretHeaders.Select(h => h.ToLowerInvariant())] };
            return await RunAsync(new DataDirectory(parse.GetValue(CliOptions.DataDir)!), new Uri(parse.GetValue(CliOptions.Api)!), cancellationToken, grpc, first, identity, parse.GetValue(trustDomain), security, pods, webhooks, metrics, notifications, jfrog, github, approvers, cluster, injector, parse.GetValue(defaultPolicy));
        });
        return command;
    }

    /// <summary>The proxy injector's options: none without a certificate (the webhook is then off), both files or
    /// neither; false with the reason otherwise.</summary>
    internal static bool TryInjector(string? certificateFile, string? keyFile, string listen, string proxyImage, string initImage, out Linnet.Platform.Kubernetes.Admission.ProxyInjectorOptions? injector, out string error)
    {
        injector = null;
        error = "";
        if (certificateFile is null && keyFile is null)
        {
            return true;
        }

        if (certificateFile is null || keyFile is null)
        {
            error = "--injector-certificate-file and --injector-key-file go together: the proxy injector needs its certificate and its key";
            return false;
        }

        if (!IPEndPoint.TryParse(listen, out var endPoint) || endPoint.Port == 0 || !listen.Contains(':', StringComparison.Ordinal))
        {
            error = $"--injector-listen: '{listen}' is not an address:port";
            return false;
        }

        if (!Linnet.Registry.ImageReference.TryParse(proxyImage, out _, out var imageError))
        {
            error = $"--proxy-image: {imageError}";
            return false;
        }

        if (Linnet.Cli.Commands.Install.InjectionFlags.ImageError("--init-image", initImage) is { } initError)
        {
            error = initError;
            return false;
        }

        try
        {
            injector = new Linnet.Platform.Kubernetes.Admission.ProxyInjectorOptions
            {
                Certificate = Linnet.Platform.Kubernetes.Admission.ProxyInjectorOptions.LoadCertificate(certificateFile, keyFile),
                EndPoint = endPoint,
                ProxyImage = proxyImage,
                InitImage = initImage,
            };
            return true;
        }
        catch (InvalidOperationException ex)
        {
            error = $"--injector-key-file: {ex.Message}";
            return false;
        }
    }

    /// <summary>Reads the metrics options; false with the reason when one is invalid.</summary>
    internal static bool TryMetrics(string? prometheusUrl, string interval, string retention, out Linnet.ControlPlane.Metrics.MetricsOptions options, out string error)
    {
        options = new();
        error = "";
        Uri? url = null;
        if (prometheusUrl is not null && (!Uri.TryCreate(prometheusUrl, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https") || url.UserInfo.Length > 0 || url.Query.Length > 0))
        {
            error = "--prometheus-url: not an http(s) URL without credentials or query (for example http://127.0.0.1:9090)";
            return false;
        }

        if (!DurationParser.TryParse(interval, out var every) || every < TimeSpan.FromMilliseconds(100) || every > TimeSpan.FromMinutes(5))
        {
            error = $"--metrics-scrape-interval: '{interval}' is not a duration between 100ms and 5m";
            return false;
        }

        if (!DurationParser.TryParse(retention, out var keep) || keep < every || keep > TimeSpan.FromHours(6))
        {
            error = $"--metrics-retention: '{retention}' is not a duration between the scrape interval and 6h";
            return false;
        }

        options = new() { PrometheusUrl = url, ScrapeInterval = every, Retention = keep };
        return true;
    }

    /// <summary>Reads <c>--grpc-listen</c> and <c>--first-address</c>; false with the reason when either is invalid.</summary>
    public static bool TryParse(ParseResult parse, Option<string> grpcListen, Option<string?> firstAddress, out IPEndPoint grpc, out IPAddress? first, out string error)
    {
        first = null;
        error = "";
        if (!IPEndPoint.TryParse(parse.GetValue(grpcListen)!, out grpc!))
        {
            error = "--grpc-listen: not an ip:port address";
            return false;
        }

        if (parse.GetValue(firstAddress) is { } text
            && (!IPAddress.TryParse(text, out first) || first.AddressFamily != AddressFamily.InterNetwork || first.GetAddressBytes()[0] != 127))
        {
            error = "--first-address: not an address in 127.0.0.0/8";
            return false;
        }

        return true;
    }

    public static async Task<int> RunAsync(DataDirectory data, Uri api, CancellationToken cancellationToken, IPEndPoint? grpc = null, IPAddress? firstAddress = null, IdentityOptions? identity = null, string? trustDomain = null, ApiSecurity? security = null, IsolationOptions? isolation = null, Linnet.ControlPlane.Updates.WebhookCredentials? webhooks = null, Linnet.ControlPlane.Metrics.MetricsOptions? metrics = null, Linnet.ControlPlane.Core.Notifications.NotificationConfig? notifications = null, string? jfrogRegistry = null, Linnet.ControlPlane.Updates.GitHubWebhookSecret? github = null, Linnet.ControlPlane.Security.ApproverCredentials? approvers = null, KubernetesSource? cluster = null, Linnet.Platform.Kubernetes.Admission.ProxyInjectorOptions? injector = null, string? defaultInboundPolicy = null)
    {
        // Owner-only: the admin credential, the CA's keys and every instance's token live below it.
        IdentityFiles.EnsureDirectory(data.Path);
        if (data.RunningPid() is { } running && running != Environment.ProcessId)
        {
            await Console.Error.WriteLineAsync($"a control plane (pid {running}) already runs on {data.Path}");
            return ExitCodes.Failed;
        }

        if (!IPAddress.TryParse(api.Host, out var apiAddress))
        {
            apiAddress = IPAddress.Loopback;
        }

        grpc ??= new IPEndPoint(IPAddress.Loopback, ControlPlaneOptions.DefaultGrpcPort);
        if (isolation is not null)
        {
            // Every proxy lives in a pod and reaches the control plane through the mesh's bridge: the gRPC API
            // listens on the bridge's address (made now, before anything listens), at the port asked for, unless
            // it was asked to listen on every address (the bridge's included).
            try
            {
                (isolation, var bridge) = IsolationSupport.PrepareBridge(isolation, data.Path);
                var listen = grpc.Address.Equals(IPAddress.Any) ? grpc : new IPEndPoint(bridge, grpc.Port);
                Console.WriteLine($"linnet control plane: instances are isolated in pods on {isolation.Network}; proxies reach gRPC on the pods' bridge at {bridge}:{grpc.Port}");
                grpc = listen;
            }
            catch (IsolationException ex)
            {
                await Console.Error.WriteLineAsync($"isolation: {ex.Message}");
                return ExitCodes.Failed;
            }
        }

        var proxyAddress = grpc.Address.Equals(IPAddress.Any) ? $"127.0.0.1:{grpc.Port}" : grpc.ToString();
        if (!ProcessRecord.TryWrite(data.PidFile, Environment.ProcessId))
        {
            await Console.Error.WriteLineAsync($"warning: could not write {data.PidFile}: 'linnet down' will not find this control plane");
        }

        using var termination = new Termination(cancellationToken, _ => Console.WriteLine("linnet control plane: stopping every instance (a second Ctrl-C forces)"));
        try
        {
            // On a cluster the store is a mirror of the cluster's objects, rebuilt by the informers' lists at start.
            using ResourceStoreBase store = cluster is null
                ? await FileResourceStore.OpenAsync(Path.Combine(data.Path, "store"), NullLogger<FileResourceStore>.Instance, cancellationToken: termination.Stopping)
                : new InMemoryResourceStore();
            using var client = cluster is null ? null : new k8s.Kubernetes(cluster.Configuration);
            var options = new ControlPlaneOptions
            {
                Platform = cluster is null ? ControlPlanePlatform.Universal : ControlPlanePlatform.Kubernetes,
                GrpcListen = grpc,
                HttpListen = new IPEndPoint(apiAddress, api.Port),
                // Stopping every instance (SIGTERM, then a grace period) must fit in the host's shutdown.
                ShutdownTimeout = TimeSpan.FromSeconds(30),
                // The CA and the token key live in the data directory (owner-only) unless the user brings a CA.
                Identity = (identity ?? new IdentityOptions()) with { Directory = Path.Combine(data.Path, "identity") },
                TrustDomain = trustDomain ?? ControlPlaneOptions.DefaultTrustDomainName,
                Metrics = metrics ?? new(),
                AdminCredentialFile = Path.Combine(data.Path, AdminCredential.FileName),
                TokenMaxLifetime = security?.TokenMaxLifetime ?? ControlPlaneOptions.DefaultTokenMaxLifetime,
                ApiHostNames = security?.HostNames ?? [],
                TapSecretHeaders = security?.TapSecretHeaders ?? [],
                WebhookCredentials = webhooks,
                GitHubWebhookSecret = github,
                Approvers = approvers ?? Linnet.ControlPlane.Security.ApproverCredentials.None,
                Notifications = notifications ?? Linnet.ControlPlane.Core.Notifications.NotificationConfig.None,
                JfrogRegistry = jfrogRegistry,
                DefaultInboundPolicy = defaultInboundPolicy ?? Linnet.Api.Policy.DefaultInboundPolicies.AllUnauthenticated,
            };
            await using var host = ControlPlaneHost.Create(options, store, services =>
            {
                services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, CommandLifetime>();
                if (client is not null)
                {
                    services.AddLinnetKubernetesPlatform(client, new KubernetesPlatformOptions(cluster!.Leadership));
                    if (injector is not null)
                    {
                        services.AddLinnetProxyInjector(injector with { DefaultInboundPolicy = options.DefaultInboundPolicy });
                    }

                    return;
                }

                var supervisor = new SupervisorOptions
                {
                    DataDirectory = data.Path,
                    ControlPlaneAddress = proxyAddress,
                    ProxyCommand = Installation.ProxyCommand(),
                    ProgramDirectories = [Installation.Directory],
                    Isolation = isolation,
                    DefaultInboundPolicy = options.DefaultInboundPolicy,
                };
                supervisor = firstAddress is null ? supervisor : supervisor with { FirstAddress = firstAddress };
                services.AddSingleton(sp => supervisor with { Environment = sp.GetRequiredService<WebhookSigningKey>().WorkloadEnvironment() });
                services.AddHostedService<WorkloadSupervisor>();
            });
            await host.StartAsync(termination.Stopping);
            Console.WriteLine(cluster is null
                ? $"linnet control plane: API http://{host.HttpEndPoint}, gRPC {host.GrpcEndPoint}, data {data.Path}, store revision {store.Revision}"
                : $"linnet control plane (kubernetes, {cluster.Configuration.Host}, lease {cluster.Leadership.Namespace}/{cluster.Leadership.LeaseName} as {cluster.Leadership.Identity}): API http://{host.HttpEndPoint}, gRPC {host.GrpcEndPoint}, "
                    + (injector is null ? "proxy injector off (no --injector-certificate-file)" : $"proxy injector https://{injector.EndPoint}{Linnet.Platform.Kubernetes.InstallNames.InjectorPath} once the Namespaces are listed") + $", data {data.Path}");
            try
            {
                await Task.Delay(Timeout.Infinite, termination.Stopping);
            }
            catch (OperationCanceledException)
            {
            }

            Console.WriteLine(cluster is null ? "linnet control plane: stopping workloads" : "linnet control plane: stopping");
            await host.StopAsync(termination.Forcing);
            Console.WriteLine($"linnet control plane: stopped{(termination.Forcing.IsCancellationRequested ? " (forced)" : "")}");
            return ExitCodes.Ok;
        }
        catch (OperationCanceledException) when (termination.Stopping.IsCancellationRequested)
        {
            // Stopped while starting: the host (disposed above) stopped whatever it had started.
            return termination.ExitCode(ExitCodes.Ok);
        }
        catch (IdentityConfigurationException ex)
        {
            // Raised while the host is built, before anything started.
            await Console.Error.WriteLineAsync($"identity: {ex.Message}");
            return ExitCodes.Invalid;
        }
        catch (ControlPlaneConfigurationException ex)
        {
            await Console.Error.WriteLineAsync($"control plane: {ex.Message}");
            return ExitCodes.Invalid;
        }
        finally
        {
            File.Delete(data.PidFile);
        }
    }
}
