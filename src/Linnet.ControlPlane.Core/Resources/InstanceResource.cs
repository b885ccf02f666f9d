namespace Linnet.ControlPlane.Core.Resources;

/// <summary>An <c>Instance</c> (<c>linnet.io/v1alpha1</c>): one running replica of a workload, written by
/// the platform (the universal supervisor; on Kubernetes, a Pod plays this role). Labels are the
/// workload's, so Service selectors match instances.</summary>
public sealed record InstanceResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "Instance";

    /// <inheritdoc />
    public override string ApiVersion => "linnet.io/v1alpha1";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>Where and what the instance is.</summary>
    public required InstanceSpec Spec { get; init; }

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is InstanceResource i && Spec.Equals(i.Spec);
}

/// <summary>Instance spec.</summary>
/// <param name="Workload">The workload it belongs to.</param>
/// <param name="Address">Its IP address (in universal mode, a loopback address of its own).</param>
/// <param name="ServiceAccount">Its identity.</param>
/// <param name="Ports">The app ports it listens on.</param>
/// <param name="ProxyInboundPort">Its proxy's inbound port: where meshed traffic for it goes.</param>
/// <param name="ProxyAdminPort">Its proxy's admin port.</param>
/// <param name="Ready">The app and its proxy are up and the app accepts connections.</param>
/// <param name="Version">The workload version it runs.</param>
/// <param name="Restarts">How many times its app or proxy was started again after exiting.</param>
/// <param name="LastExit">The last time its app or proxy exited (or could not be started), and why; null when neither has.</param>
public sealed record InstanceSpec(
    string Workload,
    string Address,
    string ServiceAccount,
    IReadOnlyList<int> Ports,
    int ProxyInboundPort,
    int ProxyAdminPort,
    bool Ready,
    string? Version,
    int Restarts = 0,
    InstanceExit? LastExit = null)
{
    /// <summary>The image it runs, as the workload names it; null for a host command.</summary>
    public string? Image { get; init; }

    /// <summary>The digest that image resolved to and that this instance runs.</summary>
    public string? ImageDigest { get; init; }

    /// <summary>The <see cref="WorkloadSpecHash"/> of the workload spec this instance runs: after a spec change, an
    /// instance still running the previous one (not restarted yet) is told apart. Null when the platform does not
    /// report it; readiness alone then counts.</summary>
    public string? SpecHash { get; init; }

    /// <summary>Whether it is ready and runs the workload spec of hash <paramref name="specHash"/> (as far as it reports).</summary>
    public bool IsReadyAt(string specHash) => Ready && (SpecHash is null || SpecHash == specHash);

    /// <summary>The image pull this instance waits for (its first start, or its replacement by a new image), as
    /// the platform reports it while it goes on; null when none does.</summary>
    public ImagePull? Pull { get; init; }

    /// <inheritdoc />
    public bool Equals(InstanceSpec? other) =>
        other is not null && Workload == other.Workload && Address == other.Address && ServiceAccount == other.ServiceAccount
        && Ports.SequenceEqual(other.Ports) && ProxyInboundPort == other.ProxyInboundPort && ProxyAdminPort == other.ProxyAdminPort
        && Ready == other.Ready && Version == other.Version && Image == other.Image && ImageDigest == other.ImageDigest && SpecHash == other.SpecHash && Pull == other.Pull
        && Restarts == other.Restarts && LastExit == other.LastExit;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Workload, Address);
}
