namespace Linnet.ControlPlane.Security;

/// <summary>The control plane cannot start as configured (a listener it may not bind, a credential file others
/// can read); the message says what to change.</summary>
public sealed class ControlPlaneConfigurationException : Exception
{
    /// <summary>Creates one with the reason.</summary>
    public ControlPlaneConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates one with no reason.</summary>
    public ControlPlaneConfigurationException()
    {
    }

    /// <summary>Creates one with the reason and its cause.</summary>
    public ControlPlaneConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
