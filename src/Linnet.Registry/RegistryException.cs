namespace Linnet.Registry;

/// <summary>A registry refused, failed, or served something that does not check out; the message says which.</summary>
public sealed class RegistryException : Exception
{
    /// <summary>Creates one.</summary>
    public RegistryException()
    {
    }

    /// <summary>Creates one with a reason.</summary>
    public RegistryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates one with a reason and its cause.</summary>
    public RegistryException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
