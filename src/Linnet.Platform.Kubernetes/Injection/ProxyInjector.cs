using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.Api.Validation;
using Linnet.ControlPlane.Core.Identity;

namespace Linnet.Platform.Kubernetes.Injection;

/// <summary>Adds the Linnet proxy to a pod: the one mutation that <c>linnet inject</c> applies to manifest files and
/// the admission webhook returns to the API server. It returns an RFC 6902 JSON Patch: Linkerd's proxy-init as the first
/// init container (its image, arguments and security context as Linkerd's chart writes them), the proxy as a native sidecar right after it (an init container with
/// <c>restartPolicy: Always</c>, started and ready before every other container), and the projected token volume
/// the proxy proves its identity with.</summary>
public static class ProxyInjector
{
    /// <summary>The proxy container's name.</summary>
    public const string ProxyContainer = "linnet-proxy";

    /// <summary>The proxy-init container's name.</summary>
    public const string InitContainer = "linnet-init";

    /// <summary>The volume proxy-init keeps the xtables lock in (<c>/run</c>, Linkerd's <c>proxyInit.xtMountPath</c>): the
    /// image's root file system is read-only.</summary>
    public const string XtablesLockVolume = "linnet-proxy-init-xtables-lock";

    /// <summary>The uid and gid proxy-init runs as (Linkerd's <c>proxyInit.runAsUser</c>/<c>runAsGroup</c>): not root;
    /// its image gives iptables and proxy-init the NET_ADMIN and NET_RAW file capabilities.</summary>
    public const int InitUser = 65534;

    /// <summary>The identity token volume's name.</summary>
    public const string TokenVolume = "linnet-identity-token";

    /// <summary>Where the proxy finds its token.</summary>
    public const string TokenDirectory = "/var/run/secrets/linnet.io/identity";

    /// <summary>The annotation recording the injected proxy's version.</summary>
    public const string ProxyVersionAnnotation = "linkerd.io/proxy-version";

    /// <summary>The label marking a meshed pod with its control plane's namespace (Linkerd's).</summary>
    public const string ControlPlaneNamespaceLabel = "linkerd.io/control-plane-ns";

    /// <summary>The patch that injects <paramref name="pod"/> (a Pod, or a workload's pod template: an object with
    /// <c>metadata</c> and <c>spec</c>), or why not.</summary>
    /// <param name="pod">The pod; not changed.</param>
    /// <param name="namespaceAnnotations">The annotations of the pod's namespace (empty when unknown).</param>
    /// <param name="settings">What the install decided.</param>
    /// <param name="explicitRequest">True for <c>linnet inject</c>: the user asked, so a pod without the inject
    /// annotation is injected; false for the webhook, which injects only where the pod or namespace asks.</param>
    /// <param name="workloadName">The workload's name for the proxy's metrics labels (null: the pod's name).</param>
    /// <param name="path">The pod's path in errors (<c>spec.template</c> in a Deployment).</param>
    public static InjectionResult Mutate(JsonObject pod, IReadOnlyDictionary<string, string> namespaceAnnotations, InjectionSettings settings, bool explicitRequest, string? workloadName = null, string path = "")
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(namespaceAnnotations);
        ArgumentNullException.ThrowIfNull(settings);
        var prefix = path.Length == 0 ? "" : path + ".";
        var metadata = pod["metadata"] as JsonObject;
        var spec = pod["spec"] as JsonObject;
        var annotations = Strings(metadata?["annotations"]);
        var errors = new List<FieldError>();
        if (spec is null)
        {
            return Refused($"{prefix}spec", "is required: a pod spec to add the proxy to");
        }

        var (switchName, wanted) = annotations.TryGetValue(InjectAnnotations.LinnetInject, out var own) ? (InjectAnnotations.LinnetInject, own)
            : annotations.TryGetValue(InjectAnnotations.Inject, out var linkerd) ? (InjectAnnotations.Inject, linkerd)
            : (null, null);
        if (wanted is not null and not InjectAnnotations.Enabled and not InjectAnnotations.Disabled)
        {
            return Refused($"{prefix}metadata.annotations[{switchName}]", wanted == "ingress"
                ? "'ingress' mode is not supported: Linnet has no ingress mode (mesh the ingress's pods with enabled)"
                : $"'{wanted}' is not one of: enabled, disabled");
        }

        if (wanted == InjectAnnotations.Disabled)
        {
            return Skipped($"{switchName} is disabled");
        }

        var namespaceWants = namespaceAnnotations.TryGetValue(InjectAnnotations.LinnetInject, out var nsOwn) ? nsOwn : namespaceAnnotations.GetValueOrDefault(InjectAnnotations.Inject);
        if (!explicitRequest && wanted is null && namespaceWants != InjectAnnotations.Enabled)
        {
            return Skipped("neither the pod nor its namespace has linkerd.io/inject: enabled");
        }

        if (Containers(spec, "containers").Concat(Containers(spec, "initContainers")).Any(c => (string?)c["name"] is ProxyContainer or InitContainer))
        {
            return Skipped("already injected");
        }

        if (spec["hostNetwork"] is JsonValue host && host.TryGetValue<bool>(out var hostNetwork) && hostNetwork)
        {
            return Skipped("the pod uses the host's network: redirecting it would capture the node's traffic");
        }

        var config = InjectionConfig.Read(namespaceAnnotations, annotations, prefix, errors);
        if (errors.Count > 0)
        {
            return new InjectionResult(InjectionOutcome.Refused, string.Join("; ", errors.Select(e => $"{e.Path}: {e.Reason}")), [], errors);
        }

        var image = Image(settings.ProxyImage, config.ProxyImage, config.ProxyVersion);
        var patch = new JsonArray();
        if (metadata is null)
        {
            patch.Add(Add("/metadata", new JsonObject()));
        }

        if (metadata?["annotations"] is not JsonObject)
        {
            patch.Add(Add("/metadata/annotations", new JsonObject()));
        }

        patch.Add(Add("/metadata/annotations/" + Escape(ProxyVersionAnnotation), image[(image.LastIndexOf(':') + 1)..]));

        // As Linkerd's injector does, the pod inherits its namespace's config.linkerd.io/* annotations it does not set
        // itself (all valid: InjectionConfig refused the pod otherwise), so the pod says what configures its proxy and
        // what the control plane reads from it: config.linkerd.io/default-inbound-policy, its proxy's ports.
        foreach (var (name, value) in namespaceAnnotations.Where(a => a.Key.StartsWith(InjectAnnotations.ConfigPrefix, StringComparison.Ordinal) && !annotations.ContainsKey(a.Key)).OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            patch.Add(Add("/metadata/annotations/" + Escape(name), value));
        }
        if (metadata?["labels"] is not JsonObject)
        {
            patch.Add(Add("/metadata/labels", new JsonObject()));
        }

        patch.Add(Add("/metadata/labels/" + Escape(ControlPlaneNamespaceLabel), settings.ControlPlaneNamespace));

        var init = InitContainerJson(Image(settings.InitImage, config.InitImage, config.InitImageVersion), config);
        var proxy = ProxyContainerJson(image, config, settings, workloadName);
        if (spec["initContainers"] is JsonArray { Count: > 0 })
        {
            patch.Add(Add("/spec/initContainers/0", init));
            patch.Add(Add("/spec/initContainers/1", proxy));
        }
        else
        {
            patch.Add(Add("/spec/initContainers", new JsonArray(init, proxy)));
        }

        var volume = new JsonObject
        {
            ["name"] = TokenVolume,
            ["projected"] = new JsonObject
            {
                ["sources"] = new JsonArray(new JsonObject
                {
                    ["serviceAccountToken"] = new JsonObject { ["audience"] = settings.TokenAudience, ["expirationSeconds"] = 86400, ["path"] = "token" },
                }),
            },
        };
        var xtables = new JsonObject { ["name"] = XtablesLockVolume, ["emptyDir"] = new JsonObject() };
        if (spec["volumes"] is JsonArray { Count: > 0 })
        {
            patch.Add(Add("/spec/volumes/-", xtables));
            patch.Add(Add("/spec/volumes/-", volume));
        }
        else
        {
            patch.Add(Add("/spec/volumes", new JsonArray(xtables, volume)));
        }

        return new InjectionResult(InjectionOutcome.Injected, "", patch, []);
    }

    private static InjectionResult Skipped(string reason) => new(InjectionOutcome.Skipped, reason, [], []);

    private static InjectionResult Refused(string path, string reason) =>
        new(InjectionOutcome.Refused, $"{path}: {reason}", [], [new FieldError(path, reason)]);

    /// <summary><paramref name="defaultImage"/> (<c>repository:tag</c>) with the annotations' repository and tag.</summary>
    private static string Image(string defaultImage, string? repositoryOverride, string? tagOverride)
    {
        var colon = defaultImage.LastIndexOf(':');
        var repository = colon > defaultImage.LastIndexOf('/') ? defaultImage[..colon] : defaultImage;
        var tag = colon > defaultImage.LastIndexOf('/') ? defaultImage[(colon + 1)..] : "latest";
        return $"{repositoryOverride ?? repository}:{tagOverride ?? tag}";
    }

    private static JsonObject InitContainerJson(string image, InjectionConfig config)
    {
        // Linkerd's proxy-init with the arguments Linkerd's chart gives it (partials/_proxy-init.tpl, default values:
        // iptablesMode nft, disableIPv6): inbound to the inbound port except the control port 4190, the admin port
        // and proxyInit.ignoreInboundPorts (or skip-inbound-ports); outbound to the outbound port except the proxy's
        // uid, loopback and ignoreOutboundPorts (or skip-outbound-ports). linnet-proxy init reads the same arguments.
        var args = new JsonArray(
            "--firewall-bin-path", "iptables-nft",
            "--firewall-save-bin-path", "iptables-nft-save",
            "--ipv6=false",
            "--incoming-proxy-port", config.InboundPort.ToString(CultureInfo.InvariantCulture),
            "--outgoing-proxy-port", config.OutboundPort.ToString(CultureInfo.InvariantCulture),
            "--proxy-uid", config.ProxyUid.ToString(CultureInfo.InvariantCulture),
            "--inbound-ports-to-ignore", string.Join(",", new[] { "4190", config.AdminPort.ToString(CultureInfo.InvariantCulture), config.SkipInboundPorts }.OfType<string>().Distinct()));
        if (config.SkipOutboundPorts is { } skipOutbound)
        {
            args.Add("--outbound-ports-to-ignore");
            args.Add(skipOutbound);
        }

        if (config.SkipSubnets is { } skipSubnets)
        {
            args.Add("--subnets-to-ignore");
            args.Add(skipSubnets);
        }

        var container = new JsonObject
        {
            ["name"] = InitContainer,
            ["image"] = image,
            ["imagePullPolicy"] = config.ImagePullPolicy,
            ["args"] = args,
            ["securityContext"] = new JsonObject
            {
                // Linkerd's (proxyInit.runAsRoot false): not root, with NET_ADMIN and NET_RAW, which the image's
                // iptables and proxy-init take through their file capabilities; every other capability dropped.
                ["allowPrivilegeEscalation"] = false,
                ["capabilities"] = new JsonObject { ["add"] = new JsonArray("NET_ADMIN", "NET_RAW"), ["drop"] = new JsonArray("ALL") },
                ["privileged"] = false,
                ["readOnlyRootFilesystem"] = true,
                ["runAsGroup"] = InitUser,
                ["runAsNonRoot"] = true,
                ["runAsUser"] = InitUser,
                ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" },
            },
            ["terminationMessagePolicy"] = "FallbackToLogsOnError",
            // iptables takes its lock in /run/xtables.lock: writable, on the read-only root file system.
            ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = XtablesLockVolume, ["mountPath"] = "/run" }),
        };
        // As Linkerd's chart: proxy-init's resources are the proxy's.
        if (Resources(config) is { } resources)
        {
            container["resources"] = resources;
        }

        return container;
    }

    private static JsonObject? Resources(InjectionConfig config)
    {
        if (config.Requests.Count == 0 && config.Limits.Count == 0)
        {
            return null;
        }

        var resources = new JsonObject();
        if (config.Requests.Count > 0)
        {
            resources["requests"] = Map(config.Requests);
        }

        if (config.Limits.Count > 0)
        {
            resources["limits"] = Map(config.Limits);
        }

        return resources;
    }

    private static JsonObject ProxyContainerJson(string image, InjectionConfig config, InjectionSettings settings, string? workloadName)
    {
        var env = new JsonArray(
            FieldEnv("LINNET_POD_NAME", "metadata.name"),
            FieldEnv("LINNET_POD_NS", "metadata.namespace"),
            FieldEnv("LINNET_POD_SA", "spec.serviceAccountName"));
        if (config.DotnetLogLevel is { } level)
        {
            env.Add(new JsonObject { ["name"] = "Logging__LogLevel__Default", ["value"] = level });
        }

        env.Add(new JsonObject { ["name"] = "LINNET_PROXY_CONFIG", ["value"] = ProxyConfig(config, settings, workloadName) });
        var probe = (string path) => new JsonObject
        {
            ["httpGet"] = new JsonObject { ["path"] = path, ["port"] = config.AdminPort },
            ["periodSeconds"] = 10,
        };
        var startup = probe("/ready");
        startup["periodSeconds"] = 1;
        startup["failureThreshold"] = 120;
        var container = new JsonObject
        {
            ["name"] = ProxyContainer,
            ["image"] = image,
            ["imagePullPolicy"] = config.ImagePullPolicy,
            // A native sidecar: an init container that keeps running, started (and ready, by its startup probe)
            // before the app's containers and stopped after them.
            ["restartPolicy"] = "Always",
            ["env"] = env,
            ["ports"] = new JsonArray(
                new JsonObject { ["name"] = "linnet-proxy", ["containerPort"] = config.InboundPort },
                new JsonObject { ["name"] = "linnet-admin", ["containerPort"] = config.AdminPort }),
            ["startupProbe"] = startup,
            ["readinessProbe"] = probe("/ready"),
            ["livenessProbe"] = probe("/live"),
            ["securityContext"] = new JsonObject
            {
                ["allowPrivilegeEscalation"] = false,
                ["capabilities"] = new JsonObject { ["drop"] = new JsonArray("ALL") },
                ["readOnlyRootFilesystem"] = true,
                ["runAsNonRoot"] = true,
                ["runAsUser"] = config.ProxyUid,
                ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" },
            },
            ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = TokenVolume, ["mountPath"] = TokenDirectory, ["readOnly"] = true }),
        };
        if (Resources(config) is { } resources)
        {
            container["resources"] = resources;
        }

        return container;
    }

    /// <summary>The proxy's configuration (docs/proxy-config.md), with the pod's name, namespace and service
    /// account filled in by the kubelet from the variables before it (<c>$(VAR)</c>).</summary>
    private static string ProxyConfig(InjectionConfig config, InjectionSettings settings, string? workloadName)
    {
        var text = new StringBuilder();
        text.Append("workload:\n");
        text.Append("  namespace: $(LINNET_POD_NS)\n");
        text.Append("  name: ").Append(workloadName ?? "$(LINNET_POD_NAME)").Append('\n');
        text.Append("  pod: $(LINNET_POD_NAME)\n");
        text.Append("inbound:\n");
        text.Append("  listen: \"0.0.0.0:").Append(config.InboundPort.ToString(CultureInfo.InvariantCulture)).Append("\"\n");
        text.Append("  opaquePorts: [").Append(string.Join(", ", config.OpaquePorts)).Append("]\n");
        // Enforced until the control plane's first policy answer, as Linkerd's injector sets the proxy's
        // LINKERD2_PROXY_INBOUND_DEFAULT_POLICY: never open wider than the pod's policy while discovery is away.
        text.Append("  defaultPolicy: ").Append(config.DefaultInboundPolicy ?? settings.DefaultInboundPolicy).Append('\n');
        text.Append("outbound:\n");
        text.Append("  listen: \"127.0.0.1:").Append(config.OutboundPort.ToString(CultureInfo.InvariantCulture)).Append("\"\n");
        text.Append("  opaquePorts: [").Append(string.Join(", ", InjectionSettings.DefaultOpaquePorts)).Append("]\n");
        text.Append("admin:\n");
        text.Append("  listen: \"0.0.0.0:").Append(config.AdminPort.ToString(CultureInfo.InvariantCulture)).Append("\"\n");
        text.Append("transparent: true\n");
        text.Append("controlPlane:\n");
        text.Append("  address: \"").Append(InstallNames.DestinationService).Append('.').Append(settings.ControlPlaneNamespace).Append(".svc.cluster.local:")
            .Append(InstallNames.DestinationPort.ToString(CultureInfo.InvariantCulture)).Append("\"\n");
        // The identity the control plane gives itself (never issued to a workload), whatever its pod's service account.
        text.Append("  identity: \"").Append(new SpiffeId(settings.TrustDomain, settings.ControlPlaneNamespace, MeshIdentity.ControlPlaneServiceAccount)).Append("\"\n");
        text.Append("identity:\n");
        text.Append("  name: \"spiffe://").Append(settings.TrustDomain).Append("/ns/$(LINNET_POD_NS)/sa/$(LINNET_POD_SA)\"\n");
        text.Append("  tokenFile: ").Append(TokenDirectory).Append("/token\n");
        text.Append("  trustAnchorsPem: |\n");
        foreach (var line in settings.TrustAnchorsPem.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'))
        {
            text.Append("    ").Append(line).Append('\n');
        }

        return text.ToString();
    }

    private static JsonObject FieldEnv(string name, string field) => new()
    {
        ["name"] = name,
        ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = field } },
    };

    private static JsonObject Map(IReadOnlyDictionary<string, string> map)
    {
        var json = new JsonObject();
        foreach (var (k, v) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            json[k] = v;
        }

        return json;
    }

    private static JsonObject Add(string path, JsonNode value) => new() { ["op"] = "add", ["path"] = path, ["value"] = value };

    private static JsonObject Add(string path, string value) => new() { ["op"] = "add", ["path"] = path, ["value"] = value };

    /// <summary>RFC 6901: <c>~</c> as <c>~0</c>, <c>/</c> as <c>~1</c>.</summary>
    internal static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static IEnumerable<JsonObject> Containers(JsonObject spec, string field) =>
        spec[field] is JsonArray array ? array.OfType<JsonObject>() : [];

    private static Dictionary<string, string> Strings(JsonNode? node)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is JsonObject obj)
        {
            foreach (var (k, v) in obj)
            {
                result[k] = v is JsonValue value && value.TryGetValue<string>(out var s) ? s : v?.ToJsonString() ?? "";
            }
        }

        return result;
    }
}
