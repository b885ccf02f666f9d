namespace Linnet.Platform.Universal.Store;

/// <summary>The data directory holds damage that recovery must not paper over (a bad record followed by valid
/// ones, a missing range of revisions, an unreadable snapshot): opening stops rather than drop committed data.</summary>
public sealed class StoreCorruptedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StoreCorruptedException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public StoreCorruptedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public StoreCorruptedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
