namespace Linnet.ControlPlane.Hosting;

/// <summary>Set on every connection by its listener, so a request can be refused on the wrong one.</summary>
internal sealed record ListenerFeature(ListenerRole Role);
