namespace Linnet.Platform.Universal.Supervisor;

/// <summary>A process id with its start time (clock ticks since boot), so a reused pid is never mistaken for it.</summary>
public readonly record struct ProcessIdentity(int Pid, ulong StartTime);
