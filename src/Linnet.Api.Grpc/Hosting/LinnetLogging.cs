using Microsoft.Extensions.Logging;

namespace Linnet.Api.Hosting;

/// <summary>The console logging every Linnet process uses: one line per event with a timestamp, Linnet's
/// own events from Information, the framework's only from Warning.</summary>
public static class LinnetLogging
{
    /// <summary>Replaces the builder's providers with Linnet's console format and levels.</summary>
    public static ILoggingBuilder AddLinnetConsole(this ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("System", LogLevel.Warning);
        logging.AddFilter("Grpc", LogLevel.Warning);
        return logging;
    }
}
