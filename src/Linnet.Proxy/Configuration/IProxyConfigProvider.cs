namespace Linnet.Proxy.Configuration;

/// <summary>Source of the proxy's routing config: a static file, or the control plane's stream.</summary>
internal interface IProxyConfigProvider
{
    /// <summary>True once the provider holds config worth serving: a file always does; the control plane's
    /// stream once its first snapshot has arrived. <c>/ready</c> answers 503 until then.</summary>
    bool IsSynced => true;

    /// <summary>The newest config; subscribe to its change token for the next one.</summary>
    ProxyConfigSnapshot GetConfig();
}
