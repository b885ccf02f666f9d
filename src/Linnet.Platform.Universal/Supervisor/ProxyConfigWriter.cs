using System.Globalization;
using System.Text;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>Writes an instance's <c>linnet-proxy</c> config (schema in <c>docs/proxy-config.md</c>): every
/// listener on the instance's own address at Linkerd's ports, the app behind inbound, and the control
/// plane as the source of services.</summary>
internal static class ProxyConfigWriter
{
    public static string Write(InstancePlan plan, string? controlPlaneAddress, InstanceIdentity? identity = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var ip = plan.Address;

        // In a pod the outbound listener and the service ports are the app's localhost (iptables sends the app's
        // other connections there); outside one they share the instance's loopback address.
        var outboundIp = plan.Pod is null ? ip : "127.0.0.1";
        var spec = plan.Spec;
        var text = new StringBuilder();
        text.Append("# Written by the Linnet supervisor each time the instance starts.\n");
        text.Append("workload:\n");
        text.Append(CultureInfo.InvariantCulture, $"  namespace: {Quote(plan.Key.Namespace)}\n");
        text.Append(CultureInfo.InvariantCulture, $"  name: {Quote(plan.Key.Workload)}\n");
        text.Append(CultureInfo.InvariantCulture, $"  pod: {Quote(plan.Key.Name)}\n");
        text.Append("inbound:\n");
        text.Append(CultureInfo.InvariantCulture, $"  listen: {Quote($"{ip}:{WorkloadSupervisor.ProxyInboundPort}")}\n");
        text.Append(CultureInfo.InvariantCulture, $"  appHost: {Quote(ip)}\n");
        if (spec.Ports.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"  appPort: {spec.Ports[0]}\n");
            text.Append(CultureInfo.InvariantCulture, $"  ports: [{string.Join(", ", spec.Ports)}]\n");
        }

        if (spec.OpaquePorts.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"  opaquePorts: [{string.Join(", ", spec.OpaquePorts)}]\n");
        }

        // Enforced until the control plane's first policy answer (and while it cannot be reached at start).
        text.Append(CultureInfo.InvariantCulture, $"  defaultPolicy: {Quote(plan.DefaultInboundPolicy)}\n");
        text.Append("outbound:\n");
        text.Append(CultureInfo.InvariantCulture, $"  listen: {Quote($"{outboundIp}:{WorkloadSupervisor.ProxyOutboundPort}")}\n");
        text.Append("admin:\n");
        text.Append(CultureInfo.InvariantCulture, $"  listen: {Quote($"{ip}:{WorkloadSupervisor.ProxyAdminPort}")}\n");

        // Outside a pod nothing redirects traffic: every connection is addressed to the proxy itself. In a pod,
        // iptables redirects, and the proxy reads each connection's original destination.
        text.Append(plan.Pod is null ? "transparent: false\n" : "transparent: true\n");
        if (controlPlaneAddress is not null)
        {
            text.Append("controlPlane:\n");
            text.Append(CultureInfo.InvariantCulture, $"  address: {Quote(controlPlaneAddress)}\n");
            if (identity is not null)
            {
                // The proxy proves the control plane against the trust anchors and exactly this identity.
                text.Append(CultureInfo.InvariantCulture, $"  identity: {Quote(identity.ControlPlaneIdentity)}\n");
            }
        }

        identity?.AppendConfig(text, plan, Quote);

        return text.ToString();
    }

    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
