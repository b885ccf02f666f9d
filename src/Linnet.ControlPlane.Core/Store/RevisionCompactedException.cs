namespace Linnet.ControlPlane.Core.Store;

/// <summary>A watch asked for history older than the store keeps: list again, then watch from there.</summary>
public sealed class RevisionCompactedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RevisionCompactedException(long requested, long oldest)
        : base($"revision {requested} is no longer kept (oldest watchable: {oldest}); list and watch again")
    {
    }

    /// <summary>Creates the exception.</summary>
    public RevisionCompactedException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public RevisionCompactedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RevisionCompactedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
