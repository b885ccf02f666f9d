namespace Linnet.Platform.Universal.Isolation;

/// <summary>A pod could not be set up or removed: the command that failed and what it said.</summary>
public sealed class IsolationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public IsolationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public IsolationException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public IsolationException()
    {
    }
}
