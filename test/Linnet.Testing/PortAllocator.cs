using System.Net;
using System.Net.Sockets;

namespace Linnet.Testing;

/// <summary>Finds free TCP ports for configurations that need a port number before anything starts.</summary>
public static class PortAllocator
{
    /// <summary>
    /// Binds 127.0.0.1:0, reads the port the OS chose and closes the socket. The port is free at return
    /// but not reserved; prefer binding to port 0 and reading the bound port where the component allows it.
    /// </summary>
    public static int GetFreeTcpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
