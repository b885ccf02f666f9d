namespace Linnet.Proxy.Configuration;

/// <summary>Source of the proxy's routing config: a static file, or the control plane's stream.</summary>
public interface IProxyConfigProvider
{
    /// <summary>The newest config; subscribe to its change token for the next one.</summary>
    ProxyConfigSnapshot GetConfig();
}
