using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Store;

/// <summary>A commit named an expected version that the stored resource no longer has; nothing was written.</summary>
public sealed class ConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConflictException(ResourceKey key, long expected, long actual)
        : base($"{key}: expected resourceVersion {expected}, but it is {(actual == 0 ? "absent" : actual.ToString(System.Globalization.CultureInfo.InvariantCulture))}")
    {
        Key = key;
    }

    /// <summary>Creates the exception.</summary>
    public ConflictException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public ConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ConflictException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>The resource in conflict.</summary>
    public ResourceKey Key { get; }
}
