namespace Linnet.ControlPlane.Core.Resources;

/// <summary>An image pull an instance is waiting for, as the platform last reported it: the layers complete of all,
/// and the bytes of all layers received so far; or why the last attempt failed.</summary>
/// <param name="Image">The image being pulled, as the workload names it.</param>
/// <param name="LayersDone">Layers downloaded and verified (or found in the cache).</param>
/// <param name="Layers">The image's layers; 0 until its manifest has been read.</param>
/// <param name="BytesDone">Bytes of its layers received.</param>
/// <param name="BytesTotal">Bytes of its layers together (as the registry serves them, compressed).</param>
/// <param name="Error">Why the last attempt failed (it is retried); null while it goes on.</param>
public sealed record ImagePull(string Image, int LayersDone, int Layers, long BytesDone, long BytesTotal, string? Error = null)
{
    /// <summary>Every layer is in: what remains is unpacking and starting.</summary>
    public bool Complete => Layers > 0 && LayersDone == Layers;
}
