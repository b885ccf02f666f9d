namespace Linnet.ControlPlane.Core.Resources;

/// <summary>One container of a Deployment's pod template.</summary>
/// <param name="Name">The container's name.</param>
/// <param name="Image">Its image reference, as the template names it.</param>
/// <param name="Init">Whether it is an init container (<c>spec.template.spec.initContainers</c>).</param>
public sealed record DeploymentContainer(string Name, string Image, bool Init);
