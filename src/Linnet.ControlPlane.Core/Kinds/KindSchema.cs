namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>A structural OpenAPI v3 schema (the subset CustomResourceDefinitions take), declared with the kind so
/// its CRD is generated from the same entry as its reader and writer.</summary>
/// <remarks>Objects whose fields the reader checks itself are declared <see cref="PreserveUnknownFields"/>: the
/// API server then keeps a field Linnet does not know, so the control plane refuses it with its reason, instead
/// of the server pruning it without a word (accepted and silently ignored is what must never happen).</remarks>
public sealed record KindSchema
{
    /// <summary><c>object</c>, <c>array</c>, <c>string</c>, <c>integer</c>, <c>number</c> or <c>boolean</c>; null
    /// with <see cref="IntOrString"/>.</summary>
    public string? Type { get; init; }

    /// <summary>A one-line description (kubectl explain shows it).</summary>
    public string? Description { get; init; }

    /// <summary>An object's declared fields, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, KindSchema>> Properties { get; init; } = [];

    /// <summary>An object's required fields.</summary>
    public IReadOnlyList<string> Required { get; init; } = [];

    /// <summary>An array's items.</summary>
    public KindSchema? Items { get; init; }

    /// <summary>A map's values (an object with free keys).</summary>
    public KindSchema? AdditionalProperties { get; init; }

    /// <summary>The values a string may take.</summary>
    public IReadOnlyList<string> Enum { get; init; } = [];

    /// <summary>An integer's lower bound.</summary>
    public long? Minimum { get; init; }

    /// <summary>An integer's upper bound.</summary>
    public long? Maximum { get; init; }

    /// <summary>Keep fields the schema does not declare (<c>x-kubernetes-preserve-unknown-fields</c>).</summary>
    public bool PreserveUnknownFields { get; init; }

    /// <summary>A port number or a port name (<c>x-kubernetes-int-or-string</c>).</summary>
    public bool IntOrString { get; init; }

    /// <summary>A string.</summary>
    public static KindSchema Text(string? description = null) => new() { Type = "string", Description = description };

    /// <summary>One of <paramref name="values"/>.</summary>
    public static KindSchema OneOf(params string[] values) => new() { Type = "string", Enum = values };

    /// <summary>An integer within bounds.</summary>
    public static KindSchema Whole(long? minimum = null, long? maximum = null, string? description = null) =>
        new() { Type = "integer", Minimum = minimum, Maximum = maximum, Description = description };

    /// <summary>A number.</summary>
    public static KindSchema Number(string? description = null) => new() { Type = "number", Description = description };

    /// <summary>true or false.</summary>
    public static KindSchema Boolean(string? description = null) => new() { Type = "boolean", Description = description };

    /// <summary>A port, by number or by name.</summary>
    public static KindSchema PortOrName(string? description = null) => new() { IntOrString = true, Description = description };

    /// <summary>A list of <paramref name="items"/>.</summary>
    public static KindSchema Array(KindSchema items, string? description = null) => new() { Type = "array", Items = items, Description = description };

    /// <summary>A map of strings (labels, selectors, metadata).</summary>
    public static KindSchema StringMap(string? description = null) => new() { Type = "object", AdditionalProperties = Text(), Description = description };

    /// <summary>An object whose fields the reader checks (unknown ones are kept, then refused by the control plane
    /// with their reason).</summary>
    public static KindSchema Open(string? description = null) => new() { Type = "object", PreserveUnknownFields = true, Description = description };

    /// <summary>An object with these fields; others are kept for the reader to refuse.</summary>
    public static KindSchema Fields(params (string Name, KindSchema Schema)[] properties) =>
        new() { Type = "object", PreserveUnknownFields = true, Properties = properties.Select(p => KeyValuePair.Create(p.Name, p.Schema)).ToArray() };

    /// <summary>This object with <paramref name="fields"/> required.</summary>
    public KindSchema Requiring(params string[] fields) => this with { Required = fields };

    /// <summary>This schema with a description.</summary>
    public KindSchema Describe(string description) => this with { Description = description };
}
