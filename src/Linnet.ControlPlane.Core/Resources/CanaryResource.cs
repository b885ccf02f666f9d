namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A <c>Canary</c> (Flagger's <c>flagger.app/v1beta1</c>, also accepted as <c>linnet.io/v1alpha1</c>):
/// progressive delivery of a Workload. The control plane's canary controller owns <c>&lt;target&gt;-primary</c>,
/// the apex, <c>-primary</c> and <c>-canary</c> Services and a weighted HTTPRoute, and writes the status.</summary>
public sealed record CanaryResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "Canary";

    /// <summary>Flagger's apiVersion, the one written back.</summary>
    public const string FlaggerVersion = "flagger.app/v1beta1";

    /// <summary>Every accepted apiVersion.</summary>
    public static IReadOnlyList<string> Versions { get; } = [FlaggerVersion, "linnet.io/v1alpha1"];

    /// <inheritdoc />
    public override string ApiVersion => FlaggerVersion;

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>The spec.</summary>
    public required CanarySpec Spec { get; init; }

    /// <summary>What the canary controller last wrote (Flagger's fields plus each metric's last value).</summary>
    public CanaryStatus Status { get; init; } = CanaryStatus.Empty;

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is CanaryResource c && Spec.Equals(c.Spec);

    /// <inheritdoc />
    public override bool StatusEquals(Resource other) => other is CanaryResource c && Status.Equals(c.Status);
}
