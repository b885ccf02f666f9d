namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A <c>Workload</c> (<c>linnet.io/v1alpha1</c>): in universal mode, what a Deployment is on
/// Kubernetes: replicas of a process, each run beside its own proxy. Instances carry the workload's labels.</summary>
public sealed record WorkloadResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "Workload";

    /// <inheritdoc />
    public override string ApiVersion => "linnet.io/v1alpha1";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>The spec.</summary>
    public required WorkloadSpec Spec { get; init; }

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is WorkloadResource w && Spec.Equals(w.Spec);
}

/// <summary>Workload spec.</summary>
/// <param name="Replicas">How many instances to run.</param>
/// <param name="ServiceAccount">The identity instances run as (their mTLS name comes from it).</param>
/// <param name="Command">The program to run (a path, or a name on PATH; with an image, a path inside it); empty
/// with an image runs the image's entrypoint.</param>
/// <param name="Args">Its arguments.</param>
/// <param name="Env">Environment variables, in order.</param>
/// <param name="WorkingDir">Working directory; null means the data directory's instance folder.</param>
/// <param name="Ports">Ports the process listens on (on its instance address); the first is the default target of inbound traffic.</param>
/// <param name="OpaquePorts">Ports whose inbound traffic is opaque TCP (no detection).</param>
/// <param name="Version">Free-form version (image tag's role in universal mode).</param>
public sealed record WorkloadSpec(
    int Replicas,
    string ServiceAccount,
    string Command,
    IReadOnlyList<string> Args,
    IReadOnlyList<EnvVar> Env,
    string? WorkingDir,
    IReadOnlyList<int> Ports,
    IReadOnlyList<int> OpaquePorts,
    string? Version)
{
    /// <summary>An OCI image to run (<c>registry/repo:tag</c> or <c>...@sha256:...</c>): pulled, unpacked, and its
    /// entrypoint and cmd run unless <see cref="Command"/> is given; null runs <see cref="Command"/> from the host.</summary>
    public string? Image { get; init; }

    /// <summary>A Docker config file (owner-only) holding the credentials for <see cref="Image"/>'s registry.</summary>
    public string? ImagePullSecretFile { get; init; }

    /// <inheritdoc />
    public bool Equals(WorkloadSpec? other) =>
        other is not null && Replicas == other.Replicas && ServiceAccount == other.ServiceAccount && Command == other.Command
        && Args.SequenceEqual(other.Args) && Env.SequenceEqual(other.Env) && WorkingDir == other.WorkingDir
        && Ports.SequenceEqual(other.Ports) && OpaquePorts.SequenceEqual(other.OpaquePorts) && Version == other.Version
        && Image == other.Image && ImagePullSecretFile == other.ImagePullSecretFile;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Replicas, Command);
}

/// <summary>An environment variable.</summary>
public sealed record EnvVar(string Name, string Value);
