namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>How a <c>linnet</c> command ended: its exit code and everything it printed.</summary>
internal sealed record CliResult(int ExitCode, string Output);
