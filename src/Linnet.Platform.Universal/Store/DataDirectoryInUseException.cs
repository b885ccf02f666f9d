namespace Linnet.Platform.Universal.Store;

/// <summary>Another process (or another store in this one) holds the data directory's <c>LOCK</c> file.</summary>
public sealed class DataDirectoryInUseException : IOException
{
    /// <summary>Creates the exception for <paramref name="directory"/>.</summary>
    public DataDirectoryInUseException(string directory, Exception inner)
        : base($"The data directory '{directory}' is in use: its LOCK file is held by another process (is another control plane running on it?)", inner)
    {
        Directory = directory;
    }

    /// <summary>Creates the exception.</summary>
    public DataDirectoryInUseException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public DataDirectoryInUseException(string message)
        : base(message)
    {
    }

    /// <summary>The directory that is locked.</summary>
    public string? Directory { get; }
}
