using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Store;

/// <summary>One change in an atomic commit.</summary>
public abstract record StoreChange
{
    /// <summary>The resource the change is about.</summary>
    public abstract ResourceKey Key { get; }

    /// <summary>When set, the commit fails unless the stored resource is at this version (0: must not exist).</summary>
    public long? ExpectedVersion { get; init; }
}

/// <summary>Create or replace a resource (its status included).</summary>
public sealed record PutChange(Resource Resource) : StoreChange
{
    /// <inheritdoc />
    public override ResourceKey Key => Resource.Key;
}

/// <summary>Delete a resource; deleting one that does not exist is not an error.</summary>
public sealed record DeleteChange(ResourceKey Target) : StoreChange
{
    /// <inheritdoc />
    public override ResourceKey Key => Target;
}
