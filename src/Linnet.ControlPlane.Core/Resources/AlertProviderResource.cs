namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Flagger's <c>AlertProvider</c> (<c>flagger.app/v1beta1</c>): a chat service canary alerts go to. Its
/// address is given inline or, as Flagger's <c>secretRef</c>, by the name of a target in the control plane's
/// <c>--notifications-file</c> (universal mode's secret store: owner-only, never in the API).</summary>
public sealed record AlertProviderResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "AlertProvider";

    /// <inheritdoc />
    public override string ApiVersion => CanaryResource.FlaggerVersion;

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>The spec.</summary>
    public required AlertProviderSpec Spec { get; init; }

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is AlertProviderResource a && Spec.Equals(a.Spec);
}
