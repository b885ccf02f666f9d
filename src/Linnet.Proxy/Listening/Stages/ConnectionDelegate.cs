namespace Linnet.Proxy.Listening.Stages;

/// <summary>The rest of the connection stages after the current one.</summary>
internal delegate Task ConnectionDelegate(AcceptedConnection connection);
