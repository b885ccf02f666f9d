namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>The mirror is what informers of the store's types deliver to.</summary>
public sealed partial class ClusterMirror : IClusterObjectSink;
