using System.Net;

namespace AsgiBridge.Proxy;

/// <summary>
/// An accepted PROXY protocol header. <see cref="Source"/> and <see cref="Destination"/> are null when the
/// connection keeps its real endpoints: v2 LOCAL (a proxy's own health check), v1 UNKNOWN, v2 UNSPEC and AF_UNIX
/// (a unix-socket client has no address to give the application).
/// </summary>
/// <param name="Version">1 (text) or 2 (binary).</param>
/// <param name="Source">The original client, or null.</param>
/// <param name="Destination">The address the original client connected to, or null.</param>
internal readonly record struct ProxyHeader(byte Version, IPEndPoint? Source, IPEndPoint? Destination);
