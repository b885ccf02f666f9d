using System.Globalization;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>The variables an app is started with, so that an unmodified app works behind the mesh: where to
/// listen (<c>HOST</c>, <c>PORT</c>), its outbound proxy (<c>HTTP_PROXY</c>), and Kubernetes-style
/// <c>&lt;NAME&gt;_SERVICE_HOST/PORT</c> pointing at the per-service listeners its proxy serves.</summary>
internal static class InstanceEnvironment
{
    /// <summary>Service variables first (the workload's <c>env</c> may override them), then the workload's
    /// <c>env</c>, then the mesh's (<paramref name="mesh"/>) and the instance's own variables, which nothing overrides.</summary>
    public static Dictionary<string, string> Build(InstancePlan plan, IEnumerable<ServiceResource> services, IReadOnlyDictionary<string, string>? mesh = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(services);
        var ip = plan.Address;

        // In a pod the app reaches its proxy's service ports on its own localhost; outside one, on its address.
        var serviceHost = plan.Pod is null ? ip : "127.0.0.1";
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            if (service.Metadata.Namespace != plan.Key.Namespace || service.Status.LocalPorts.Count == 0 || service.Spec.Ports.Count == 0)
            {
                continue;
            }

            var prefix = ToVariableName(service.Metadata.Name);
            if (service.Status.LocalPorts.TryGetValue(service.Spec.Ports[0].Port, out var firstLocal))
            {
                env[$"{prefix}_SERVICE_HOST"] = serviceHost;
                env[$"{prefix}_SERVICE_PORT"] = Text(firstLocal);
            }

            foreach (var port in service.Spec.Ports)
            {
                if (port.Name is { Length: > 0 } name && service.Status.LocalPorts.TryGetValue(port.Port, out var local))
                {
                    env[$"{prefix}_SERVICE_HOST"] = serviceHost;
                    env[$"{prefix}_SERVICE_PORT_{ToVariableName(name)}"] = Text(local);
                }
            }
        }

        foreach (var variable in plan.Spec.Env)
        {
            env[variable.Name] = variable.Value;
        }

        foreach (var (name, value) in mesh ?? new Dictionary<string, string>())
        {
            env[name] = value;
        }

        env["HOST"] = ip;
        if (plan.Spec.Ports.Count > 0)
        {
            env["PORT"] = Text(plan.Spec.Ports[0]);
        }

        env["LINNET_INSTANCE_IP"] = ip;
        env["LINNET_INSTANCE"] = plan.Key.Name;
        env["LINNET_NAMESPACE"] = plan.Key.Namespace;
        if (plan.Pod is { } pod)
        {
            // iptables sends every connection the app opens to its proxy, and service names resolve (the pod's
            // /etc/hosts): no proxy variable to honour. HOME is the app's own folder, not the supervisor's.
            env["HOME"] = pod.AppHome;
            return env;
        }

        var proxy = $"http://{ip}:{Text(WorkloadSupervisor.ProxyOutboundPort)}";
        env["HTTP_PROXY"] = proxy;
        env["http_proxy"] = proxy;
        var noProxy = $"{ip},localhost";
        env["NO_PROXY"] = noProxy;
        env["no_proxy"] = noProxy;
        return env;
    }

    /// <summary><c>my-svc</c> → <c>MY_SVC</c>, as Kubernetes names service variables.</summary>
    public static string ToVariableName(string name) =>
        name.ToUpperInvariant().Replace('-', '_').Replace('.', '_');

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
