using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>Reads a kind's spec (and, from the store, its status) into its typed resource; null when the
/// metadata was missing. Errors go to <see cref="KindDocument.Errors"/> with their field paths.</summary>
public delegate Resource? KindReader(KindDocument document);
