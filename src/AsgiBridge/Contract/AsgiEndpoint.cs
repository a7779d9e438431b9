namespace AsgiBridge;

/// <summary>
/// The ASGI <c>client</c> / <c>server</c> pair <c>(host, port)</c>. On a unix socket <c>server</c> is
/// <c>(path, null)</c> and <c>client</c> is null.
/// </summary>
/// <param name="Host">The IP address as text, or the unix socket path.</param>
/// <param name="Port">The TCP port; null on a unix socket.</param>
public sealed record AsgiEndpoint(string Host, int? Port);
