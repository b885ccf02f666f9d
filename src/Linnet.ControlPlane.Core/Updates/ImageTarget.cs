using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Updates;

/// <summary>One container image the update engine may move, whatever holds it: a universal-mode Workload's
/// <c>spec.image</c> (one container, named after the Workload), or one container of a Kubernetes Deployment's pod
/// template. The planner, the poller, the webhooks, approvals and notifications all work on targets
/// (<see cref="ImageTargets"/>), so a Workload and a Deployment are updated by one set of rules.</summary>
/// <param name="Owner">The resource that holds the image (a <see cref="WorkloadResource"/> or a
/// <see cref="DeploymentResource"/>), as the store held it when the target was read.</param>
/// <param name="Container">The container's name.</param>
/// <param name="Image">The image the container runs now, as written.</param>
/// <param name="Settings">The owner's image update settings.</param>
public sealed record ImageTarget(Resource Owner, string Container, string Image, ImageUpdateSettings Settings)
{
    /// <summary>The owner's kind (<c>Workload</c> or <c>Deployment</c>).</summary>
    public string Kind => Owner.Kind;

    /// <summary><c>namespace/name</c> of the owner.</summary>
    public string Id => $"{Owner.Metadata.Namespace}/{Owner.Metadata.Name}";

    /// <summary>The registry credentials file of a Workload (<c>spec.imagePullSecretFile</c>); null otherwise.</summary>
    public string? PullSecretFile => (Owner as WorkloadResource)?.Spec.ImagePullSecretFile;
}

/// <summary>One planned move of an <see cref="ImageTarget"/> to <paramref name="Image"/> (pinned to the pushed or
/// polled digest when one is known).</summary>
/// <param name="Target">What moves.</param>
/// <param name="Image">Where to.</param>
public sealed record ImageUpdate(ImageTarget Target, string Image);
