namespace Linnet.ControlPlane.Core.Resources;

/// <summary>How a process of an instance last ended (Kubernetes' <c>lastState.terminated</c>).</summary>
/// <param name="Process">Which process: <c>app</c> or <c>proxy</c>.</param>
/// <param name="ExitCode">Its exit code; 128 + n when killed by signal n; null when it could not be started.</param>
/// <param name="Reason">Why, for people: <c>exited with code 1</c>, <c>killed by signal 9 (SIGKILL)</c>, <c>cannot start: ...</c>.</param>
/// <param name="At">When.</param>
public sealed record InstanceExit(string Process, int? ExitCode, string Reason, DateTimeOffset At);
