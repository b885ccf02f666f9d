namespace Linnet.Api.Validation;

/// <summary>One problem with a document: the path of the field at fault, and why.</summary>
public sealed record FieldError(string Path, string Reason)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Reason}";
}
