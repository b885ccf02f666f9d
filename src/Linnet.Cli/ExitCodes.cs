namespace Linnet.Cli;

/// <summary>Exit codes scripts can rely on.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>The operation failed (not found, a check failed, a conflict).</summary>
    public const int Failed = 1;

    /// <summary>The request was wrong: bad arguments or invalid manifests; nothing was changed.</summary>
    public const int Invalid = 2;

    /// <summary>The control plane could not be reached.</summary>
    public const int Unreachable = 3;
}
