namespace Linnet.ControlPlane.Core.Translation;

/// <summary>A mirror: the service key requests are copied to, and the share (0..100).</summary>
public sealed record MeshMirror(string ServiceKey, double Percent);
