namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Flagger's <c>MetricTemplate</c> (<c>flagger.app/v1beta1</c>): a query against a metrics provider that
/// a Canary's <c>analysis.metrics[].templateRef</c> names; Linnet runs provider <c>prometheus</c>.</summary>
public sealed record MetricTemplateResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "MetricTemplate";

    /// <summary>The providers Linnet queries.</summary>
    public const string Prometheus = "prometheus";

    /// <inheritdoc />
    public override string ApiVersion => CanaryResource.FlaggerVersion;

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>The spec.</summary>
    public required MetricTemplateSpec Spec { get; init; }

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is MetricTemplateResource m && Spec.Equals(m.Spec);

    /// <inheritdoc />
    public override bool StatusEquals(Resource other) => other is MetricTemplateResource;
}
