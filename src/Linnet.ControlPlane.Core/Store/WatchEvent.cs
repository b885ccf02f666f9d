using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Store;

/// <summary>A change seen by a watcher. Every event of one commit carries that commit's revision.</summary>
public sealed record WatchEvent(WatchEventType Type, Resource Resource, long Revision);
