namespace Linnet.Platform.Universal.Supervisor;

/// <summary>The two processes of an instance.</summary>
internal enum ProcessRole
{
    /// <summary>The instance's proxy: started first, stopped last.</summary>
    Proxy,

    /// <summary>The workload's own program.</summary>
    App,
}
