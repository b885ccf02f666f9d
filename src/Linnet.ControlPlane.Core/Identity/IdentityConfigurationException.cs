namespace Linnet.ControlPlane.Core.Identity;

/// <summary>The CA's files are missing, unreadable, or do not fit together; the message says which and why.</summary>
public sealed class IdentityConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public IdentityConfigurationException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public IdentityConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public IdentityConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
