namespace Linnet.ControlPlane.Core.Store;

/// <summary>What happened to a resource.</summary>
public enum WatchEventType
{
    /// <summary>Created.</summary>
    Added,

    /// <summary>Changed.</summary>
    Modified,

    /// <summary>Removed (the event carries its last state).</summary>
    Deleted,
}
