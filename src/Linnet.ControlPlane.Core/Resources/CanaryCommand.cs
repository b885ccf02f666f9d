namespace Linnet.ControlPlane.Core.Resources;

/// <summary>The last manual command given to a canary (<c>linnet canary promote|abort|pause|resume|rollback</c>):
/// which, who gave it (the API caller's identity), when, and what became of it (<see cref="CanaryCommands"/>'
/// outcomes). Flagger has no such thing: its users patch the status or fake a webhook (#724, #413).</summary>
public sealed record CanaryCommand(string Action, string By, DateTimeOffset At, string Outcome, string Message);
