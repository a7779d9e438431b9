using AsgiBridge.Python.Sockets;
using AsgiBridge.Transport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace AsgiBridge.Python;

/// <summary>Hosting a <see cref="PythonAsgiApp"/> with <c>UseAsgi</c>.</summary>
public static class PythonHostingExtensions
{
    /// <summary>
    /// Reads and writes the sockets of the server's own listeners (<c>UseAsgi</c>) on the Python app's event-loop
    /// thread instead of Kestrel's socket threads (docs/python.md, "Sockets on the event loop"): a request then
    /// goes from socket to app and back on one thread, without a thread switch, as under uvicorn, and, as under
    /// uvicorn, an app that blocks the loop also stalls every connection. Connections accepted while no Python app
    /// is loaded in the process use Kestrel's socket transport.
    /// </summary>
    /// <param name="builder">The web host builder that calls <c>UseAsgi</c>.</param>
    /// <returns>The builder.</returns>
    public static IWebHostBuilder UsePythonEventLoopSockets(this IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.ConfigureServices(services => services.AddSingleton<ISocketConnectionSource, LoopSocketSource>());
    }
}
