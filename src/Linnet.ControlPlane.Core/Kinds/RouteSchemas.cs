namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The spec schema both route kinds share (Gateway API's top-level route fields).</summary>
internal static class RouteSchemas
{
    public static KindSchema Spec { get; } = KindSchema.Fields(
        ("parentRefs", KindSchema.Array(KindSchema.Fields(
            ("group", KindSchema.Text()), ("kind", KindSchema.Text()), ("namespace", KindSchema.Text()),
            ("name", KindSchema.Text()), ("port", KindSchema.Whole(1, 65535))).Requiring("name"), "The Services (GAMMA) the route attaches to.")),
        ("hostnames", KindSchema.Array(KindSchema.Text())),
        ("rules", KindSchema.Array(KindSchema.Open("Matches, filters, timeouts and weighted backendRefs."))));
}
