using System.Globalization;
using System.Text;
using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>What the supervisor gives each proxy so that it can get its certificate: a workload token for the
/// instance's namespace and service account (an owner-only file in the instance's folder, rewritten well
/// before it expires), the trust anchors, the CA's address, and the workload's inbound TLS mode.</summary>
internal sealed class InstanceIdentity(MeshIdentity mesh, string caAddress)
{
    /// <summary>The Workload annotation that chooses the inbound mode: <c>strict</c> or <c>permissive</c> (default).</summary>
    public const string InboundTlsAnnotation = KnownAnnotations.InboundTls;

    /// <summary>The inbound mode when the annotation is absent (Linkerd's default).</summary>
    public const string Permissive = "permissive";

    /// <summary>mTLS only.</summary>
    public const string Strict = "strict";

    /// <summary>How long an instance's token is valid.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(24);

    /// <summary>How often every token is rewritten: a third of its life, so a proxy always reads a valid one.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromHours(8);

    /// <summary>The identity proxies require of the control plane.</summary>
    public string ControlPlaneIdentity => mesh.ControlPlaneIdentity.ToString();

    /// <summary>Where proxies ask for certificates.</summary>
    public string CaAddress => caAddress;

    /// <summary>The inbound mode a workload asks for.</summary>
    public static string InboundTlsOf(WorkloadResource workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        return workload.Metadata.Annotations.TryGetValue(InboundTlsAnnotation, out var mode) && string.Equals(mode.Trim(), Strict, StringComparison.OrdinalIgnoreCase)
            ? Strict
            : Permissive;
    }

    /// <summary>The identity an instance's proxy asks for.</summary>
    public string NameOf(InstancePlan plan) => mesh.IdentityOf(plan.Key.Namespace, plan.Spec.ServiceAccount).ToString();

    /// <summary>Writes the instance's trust anchors and a fresh token (0600).</summary>
    public void WriteFiles(InstancePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        File.WriteAllText(plan.TrustAnchorsPath, mesh.TrustAnchorsPem);
        WriteToken(plan);
    }

    /// <summary>Replaces the instance's token with a fresh one; the proxy reads it at its next renewal.</summary>
    public void WriteToken(InstancePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var token = mesh.Tokens.Create(plan.Key.Namespace, plan.Spec.ServiceAccount, TokenLifetime);
        IdentityFiles.WritePrivate(plan.TokenPath, token.Token + "\n");
    }

    /// <summary>Appends the proxy config's <c>inboundTls</c> and <c>identity:</c> section.</summary>
    public void AppendConfig(StringBuilder text, InstancePlan plan, Func<string, string> quote)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(quote);
        text.Append(CultureInfo.InvariantCulture, $"inboundTls: {plan.InboundTls}\n");
        text.Append("identity:\n");
        text.Append(CultureInfo.InvariantCulture, $"  name: {quote(NameOf(plan))}\n");
        text.Append(CultureInfo.InvariantCulture, $"  trustAnchorsFile: {quote(plan.TrustAnchorsPath)}\n");
        text.Append(CultureInfo.InvariantCulture, $"  caAddress: {quote(caAddress)}\n");
        text.Append(CultureInfo.InvariantCulture, $"  tokenFile: {quote(plan.TokenPath)}\n");
    }
}
