namespace Linnet.Cli.Commands.Demo;

/// <summary>What <c>linnet demo</c> was asked to do.</summary>
/// <param name="Duration">How long to run; null runs until Ctrl-C.</param>
/// <param name="RequestsPerSecond">Load the generator offers, split over the inbound and outbound paths.</param>
/// <param name="RefreshInterval">How often the table of live metrics is printed.</param>
internal sealed record DemoOptions(TimeSpan? Duration, int RequestsPerSecond, TimeSpan RefreshInterval);
