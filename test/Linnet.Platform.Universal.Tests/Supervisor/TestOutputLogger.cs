using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Universal.Tests.Supervisor;

/// <summary>Sends log lines to the test's output, so a failing run shows what the supervisor did.</summary>
internal sealed class TestOutputLogger<T>(ITestOutputHelper output, TimeProvider time) : ILogger<T>
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        try
        {
            output.WriteLine($"{time.GetUtcNow():HH:mm:ss.fff} {logLevel}: {formatter(state, exception)}{(exception is null ? "" : $" {exception}")}");
        }
        catch (InvalidOperationException)
        {
            // Logged after the test finished.
        }
    }
}
