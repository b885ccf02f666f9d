using System.Globalization;
using System.Text.RegularExpressions;
using Linnet.Api.Policy;
using Linnet.Api.ProxyInit;
using Linnet.Api.Validation;
using Linnet.ControlPlane.Core.Policy;

namespace Linnet.Platform.Kubernetes.Injection;

/// <summary>The proxy configuration of one pod: Linkerd's defaults, overridden by the namespace's
/// <c>config.linkerd.io/*</c> annotations, overridden by the pod's. Every annotation under that prefix is
/// honoured or refused with its reason, never ignored.</summary>
internal sealed partial record InjectionConfig
{
    public IReadOnlyList<int> OpaquePorts { get; init; } = InjectionSettings.DefaultOpaquePorts;

    /// <summary>Inbound ports proxy-init leaves alone besides the proxy's own: Linkerd's <c>proxyInit.ignoreInboundPorts</c>
    /// (Galera's 4567 and 4568) unless <c>config.linkerd.io/skip-inbound-ports</c> replaces it, as Linkerd's does.</summary>
    public string? SkipInboundPorts { get; init; } = InjectionSettings.DefaultSkipPorts;

    /// <summary>Outbound ports proxy-init leaves alone: Linkerd's <c>proxyInit.ignoreOutboundPorts</c> (Galera's) unless
    /// <c>config.linkerd.io/skip-outbound-ports</c> replaces it.</summary>
    public string? SkipOutboundPorts { get; init; } = InjectionSettings.DefaultSkipPorts;

    public string? SkipSubnets { get; init; }

    public IReadOnlyDictionary<string, string> Requests { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Limits { get; init; } = new Dictionary<string, string>();

    public string? LogLevel { get; init; }

    public int ProxyUid { get; init; } = InjectionSettings.DefaultProxyUid;

    public string? ProxyImage { get; init; }

    public string? ProxyVersion { get; init; }

    /// <summary>proxy-init's repository from <c>config.linkerd.io/init-image</c>; null: the install's.</summary>
    public string? InitImage { get; init; }

    /// <summary>proxy-init's tag from <c>config.linkerd.io/init-image-version</c>; null: the install's.</summary>
    public string? InitImageVersion { get; init; }

    public string ImagePullPolicy { get; init; } = "IfNotPresent";

    public int InboundPort { get; init; } = 4143;

    public int OutboundPort { get; init; } = 4140;

    public int AdminPort { get; init; } = 4191;

    /// <summary>The pod's <c>config.linkerd.io/default-inbound-policy</c> (its own, else its namespace's); null when
    /// neither sets one (the install's default then applies).</summary>
    public string? DefaultInboundPolicy { get; init; }

    // Linnet's proxy speaks .NET's levels; Linkerd's names map onto them one to one.
    private static readonly Dictionary<string, string> LogLevels = new(StringComparer.Ordinal)
    {
        ["trace"] = "Trace", ["debug"] = "Debug", ["info"] = "Information", ["warn"] = "Warning", ["error"] = "Error", ["off"] = "None",
    };

    private static readonly string[] PullPolicies = ["Always", "IfNotPresent", "Never"];

    /// <summary>The .NET log level of <see cref="LogLevel"/>.</summary>
    public string? DotnetLogLevel => LogLevel is null ? null : LogLevels[LogLevel];

    /// <summary>Reads the annotations of the namespace, then of the pod; errors name the pod's annotation (its path
    /// after <paramref name="podPrefix"/>, such as <c>spec.template.</c>) or the namespace's.</summary>
    public static InjectionConfig Read(IReadOnlyDictionary<string, string> namespaceAnnotations, IReadOnlyDictionary<string, string> podAnnotations, string podPrefix, List<FieldError> errors)
    {
        var config = new InjectionConfig();
        config = Apply(config, namespaceAnnotations, "namespace.metadata.annotations", errors);
        return Apply(config, podAnnotations, $"{podPrefix}metadata.annotations", errors);
    }

    private static InjectionConfig Apply(InjectionConfig config, IReadOnlyDictionary<string, string> annotations, string path, List<FieldError> errors)
    {
        foreach (var (name, raw) in annotations.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (!name.StartsWith(InjectAnnotations.ConfigPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var value = raw.Trim();
            var where = $"{path}[{name}]";
            void Refuse(string reason) => errors.Add(new FieldError(where, reason));
            switch (name)
            {
                case InjectAnnotations.OpaquePorts:
                    if (PortList(value, Refuse, expand: true) is { } opaque)
                    {
                        config = config with { OpaquePorts = opaque };
                    }

                    break;
                case InjectAnnotations.SkipInboundPorts:
                    config = PortList(value, Refuse, expand: false) is null ? config : config with { SkipInboundPorts = value };
                    break;
                case InjectAnnotations.SkipOutboundPorts:
                    config = PortList(value, Refuse, expand: false) is null ? config : config with { SkipOutboundPorts = value };
                    break;
                case InjectAnnotations.SkipSubnets:
                    if (SubnetList.Parse(value, out var subnetError) is { } subnets)
                    {
                        config = config with { SkipSubnets = string.Join(",", subnets) };
                    }
                    else
                    {
                        Refuse(subnetError!);
                    }

                    break;
                case InjectAnnotations.CpuRequest or InjectAnnotations.MemoryRequest or InjectAnnotations.EphemeralStorageRequest:
                    config = Quantity(value, Refuse) ? config with { Requests = With(config.Requests, Resource(name), value) } : config;
                    break;
                case InjectAnnotations.CpuLimit or InjectAnnotations.MemoryLimit or InjectAnnotations.EphemeralStorageLimit:
                    config = Quantity(value, Refuse) ? config with { Limits = With(config.Limits, Resource(name), value) } : config;
                    break;
                case InjectAnnotations.LogLevel:
                    if (LogLevels.ContainsKey(value))
                    {
                        config = config with { LogLevel = value };
                    }
                    else
                    {
                        Refuse($"'{value}' is not a level Linnet's proxy takes (one of: {string.Join(", ", LogLevels.Keys)}; per-module filters such as linkerd=info are not supported)");
                    }

                    break;
                case InjectAnnotations.ProxyUid:
                    config = Number(value, 1, int.MaxValue, Refuse) is { } uid ? config with { ProxyUid = uid } : config;
                    break;
                case InjectAnnotations.ProxyImage:
                    config = Repository(value, "proxy-version", Refuse) ? config with { ProxyImage = value } : config;
                    break;
                case InjectAnnotations.ProxyVersion:
                    config = Tag(value, Refuse) ? config with { ProxyVersion = value } : config;
                    break;
                case InjectAnnotations.InitImage:
                    config = Repository(value, "init-image-version", Refuse) ? config with { InitImage = value } : config;
                    break;
                case InjectAnnotations.InitImageVersion:
                    config = Tag(value, Refuse) ? config with { InitImageVersion = value } : config;
                    break;
                case InjectAnnotations.ImagePullPolicy:
                    if (PullPolicies.Contains(value, StringComparer.Ordinal))
                    {
                        config = config with { ImagePullPolicy = value };
                    }
                    else
                    {
                        Refuse($"'{value}' is not one of: {string.Join(", ", PullPolicies)}");
                    }

                    break;
                case InjectAnnotations.InboundPort:
                    config = Number(value, 1, 65535, Refuse) is { } inbound ? config with { InboundPort = inbound } : config;
                    break;
                case InjectAnnotations.OutboundPort:
                    config = Number(value, 1, 65535, Refuse) is { } outbound ? config with { OutboundPort = outbound } : config;
                    break;
                case InjectAnnotations.AdminPort:
                    config = Number(value, 1, 65535, Refuse) is { } admin ? config with { AdminPort = admin } : config;
                    break;
                case DefaultInboundPolicies.Annotation:
                    // The control plane serves it as the pod's default policy; the proxy enforces it until then.
                    if (DefaultInboundPolicies.IsKnown(value))
                    {
                        config = config with { DefaultInboundPolicy = value };
                    }
                    else
                    {
                        Refuse(DefaultInboundPolicies.Unknown(value));
                    }

                    break;
                default:
                    Refuse(InjectAnnotations.NotHonoured.TryGetValue(name, out var reason)
                        ? $"is not honoured: {reason}"
                        : $"is not a proxy configuration annotation Linnet knows (known: {string.Join(", ", Known)})");
                    break;
            }
        }

        var ports = new[] { config.InboundPort, config.OutboundPort, config.AdminPort };
        if (ports.Distinct().Count() != ports.Length)
        {
            errors.Add(new FieldError(path, $"the proxy's inbound ({config.InboundPort}), outbound ({config.OutboundPort}) and admin ({config.AdminPort}) ports must differ"));
        }

        return config;
    }

    private static readonly string[] Known =
    [
        InjectAnnotations.OpaquePorts, InjectAnnotations.SkipInboundPorts, InjectAnnotations.SkipOutboundPorts, InjectAnnotations.SkipSubnets,
        InjectAnnotations.CpuRequest, InjectAnnotations.CpuLimit, InjectAnnotations.MemoryRequest, InjectAnnotations.MemoryLimit,
        InjectAnnotations.EphemeralStorageRequest, InjectAnnotations.EphemeralStorageLimit, InjectAnnotations.LogLevel,
        InjectAnnotations.ProxyUid, InjectAnnotations.ProxyImage, InjectAnnotations.ProxyVersion, InjectAnnotations.InitImage,
        InjectAnnotations.InitImageVersion, InjectAnnotations.ImagePullPolicy,
        InjectAnnotations.InboundPort, InjectAnnotations.OutboundPort, InjectAnnotations.AdminPort, DefaultInboundPolicies.Annotation,
    ];

    private static string Resource(string annotation) =>
        annotation.Contains("-cpu-", StringComparison.Ordinal) ? "cpu" : annotation.Contains("-memory-", StringComparison.Ordinal) ? "memory" : "ephemeral-storage";

    private static Dictionary<string, string> With(IReadOnlyDictionary<string, string> map, string key, string value) =>
        new(map, StringComparer.Ordinal) { [key] = value };

    private static int? Number(string value, int min, int max, Action<string> refuse)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
        {
            return n;
        }

        refuse($"'{value}' is not a number {min}..{max}");
        return null;
    }

    /// <summary>An image repository without tag or digest (<c>cr.l5d.io/linkerd/proxy-init</c>).</summary>
    private static bool Repository(string value, string tagAnnotation, Action<string> refuse)
    {
        // A ':' after the last '/' starts a tag (one before it is a registry's port).
        if (value.Length == 0 || value.Contains('@', StringComparison.Ordinal) || value.Any(char.IsWhiteSpace) || value.LastIndexOf(':') > value.LastIndexOf('/'))
        {
            refuse($"'{value}' is not an image name (give the repository; the tag is {tagAnnotation})");
            return false;
        }

        return true;
    }

    private static bool Tag(string value, Action<string> refuse)
    {
        if (TagPattern().IsMatch(value))
        {
            return true;
        }

        refuse($"'{value}' is not an image tag");
        return false;
    }

    private static bool Quantity(string value, Action<string> refuse)
    {
        if (QuantityPattern().IsMatch(value))
        {
            return true;
        }

        refuse($"'{value}' is not a Kubernetes quantity (such as 100m, 0.5, 64Mi, 1Gi)");
        return false;
    }

    /// <summary>Linkerd's port lists: numbers and ranges (<c>25,587,4000-4100</c>); null when invalid.</summary>
    private static List<int>? PortList(string value, Action<string> refuse, bool expand)
    {
        const int MaxExpanded = 1024;
        if (PortRange.ParseList(value, out var error) is not { } ranges)
        {
            refuse(error!);
            return null;
        }

        var ports = new SortedSet<int>();
        if (expand)
        {
            foreach (var range in ranges)
            {
                if (ports.Count + range.Count > MaxExpanded)
                {
                    refuse($"names more than {MaxExpanded} ports");
                    return null;
                }

                for (var p = range.Low; p <= range.High; p++)
                {
                    ports.Add(p);
                }
            }
        }

        return [.. ports];
    }

    [GeneratedRegex(@"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")]
    private static partial Regex QuantityPattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();
}
