// Reference servers for bench/run.sh, all on 127.0.0.1, no logging:
//
//   RefServers raw PORT         a Kestrel ConnectionHandler with a minimal HTTP/1.1 loop that answers every
//                               request with a fixed 200 "Hello, World!" (the floor of AsgiBridge's stack:
//                               same transport and pipes, no HTTP framework at all)
//   RefServers kestrel PORT     Kestrel's HTTP stack with one terminal app.Run: "Hello, World!" text/plain,
//                               and GET /stream?chunks=N&size=S streamed like AsgiBridge's demo app
//   RefServers kestrel-ws PORT  the same plus app.UseWebSockets() and a WebSocket echo at /ws
using System.Globalization;
using System.Net;
using System.Runtime;
using AsgiBridge.Bench.RefServers;

if (args.Length != 2 || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
{
    await Console.Error.WriteLineAsync("usage: RefServers raw|kestrel|kestrel-ws PORT");
    return 2;
}

var mode = args[0];
if (mode is not ("raw" or "kestrel" or "kestrel-ws"))
{
    await Console.Error.WriteLineAsync($"unknown mode '{mode}': expected raw, kestrel or kestrel-ws");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen =>
{
    if (mode == "raw")
    {
        listen.UseConnectionHandler<RawHttpHandler>();
    }
}));

await using var app = builder.Build();
switch (mode)
{
    case "kestrel":
        app.Run(Endpoints.HelloOrStreamAsync);
        break;
    case "kestrel-ws":
        app.UseWebSockets();
        app.Run(context => context.Request.Path == "/ws" ? Endpoints.EchoWebSocketAsync(context) : Endpoints.HelloOrStreamAsync(context));
        break;
    default:
        break; // raw: the connection handler answers everything, no HTTP pipeline.
}

await app.StartAsync();
Console.WriteLine(
    $"RefServers {mode} on http://127.0.0.1:{port} pid={Environment.ProcessId} ServerGC={GCSettings.IsServerGC} " +
    $"Concurrent={GCSettings.LatencyMode != GCLatencyMode.Batch} ProcessorCount={Environment.ProcessorCount} " +
    $"INLINE_COMPLETIONS={Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") ?? "unset"}");
await app.WaitForShutdownAsync();
return 0;
