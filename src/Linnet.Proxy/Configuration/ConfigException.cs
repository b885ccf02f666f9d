using Linnet.Api.Validation;
using Linnet.Api.Yaml;

namespace Linnet.Proxy.Configuration;

/// <summary>A config file was rejected; <see cref="Errors"/> names every field at fault.</summary>
internal sealed class ConfigException : Exception
{
    /// <summary>Creates the exception from the collected errors.</summary>
    public ConfigException(string source, IReadOnlyList<FieldError> errors)
        : base($"invalid config {source}:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors))
    {
        Errors = errors;
    }

    /// <summary>Creates an exception with a message only.</summary>
    public ConfigException(string message)
        : base(message)
    {
        Errors = [];
    }

    /// <summary>Creates an exception with a message and inner exception.</summary>
    public ConfigException(string message, Exception inner)
        : base(message, inner)
    {
        Errors = [];
    }

    /// <summary>Creates an empty exception.</summary>
    public ConfigException()
    {
        Errors = [];
    }

    /// <summary>Every field at fault.</summary>
    public IReadOnlyList<FieldError> Errors { get; }
}
