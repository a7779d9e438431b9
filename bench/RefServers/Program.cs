// Reference servers for bench/run.sh, all on 127.0.0.1, no logging:
//
//   RefServers raw PORT         a Kestrel ConnectionHandler with a minimal HTTP/1.1 loop that answers every
//                               request with a fixed 200 "Hello, World!" (the floor of AsgiBridge's stack:
//                               same transport and pipes, no HTTP framework at all)
//   RefServers kestrel PORT     Kestrel's HTTP stack with one terminal app.Run: "Hello, World!" text/plain,
//                               and GET /stream?chunks=N&size=S streamed like AsgiBridge's demo app
//   RefServers kestrel-ws PORT  the same plus app.UseWebSockets() and a WebSocket echo at /ws
//   RefServers kestrel-h2 PORT CERT KEY
//                               the kestrel app over TLS (PEM certificate and key), HttpProtocols.Http1AndHttp2:
//                               ALPN offers h2 and http/1.1, as the AsgiBridge host's https endpoint does
//   RefServers kestrel-h2c PORT the kestrel app over cleartext HTTP/2 with prior knowledge (HttpProtocols.Http2)
//   RefServers aspnetcore PORT  one WebApplication (HTTP/1.1) with app.MapGet("/mapget", ...) and
//                               app.MapAsgi("/mapasgi", hello ASGI app), both answering the same response
using System.Globalization;
using System.Net;
using System.Runtime;
using System.Security.Cryptography.X509Certificates;
using AsgiBridge;
using AsgiBridge.Bench.RefServers;
using Microsoft.AspNetCore.Server.Kestrel.Core;

string[] modes = ["raw", "kestrel", "kestrel-ws", "kestrel-h2", "kestrel-h2c", "aspnetcore"];
var mode = args.Length > 0 ? args[0] : "";
var argCount = mode == "kestrel-h2" ? 4 : 2;
if (args.Length != argCount || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
{
    await Console.Error.WriteLineAsync("usage: RefServers raw|kestrel|kestrel-ws|kestrel-h2c|aspnetcore PORT");
    await Console.Error.WriteLineAsync("       RefServers kestrel-h2 PORT CERT.pem KEY.pem");
    return 2;
}

if (!modes.Contains(mode))
{
    await Console.Error.WriteLineAsync($"unknown mode '{mode}': expected {string.Join(", ", modes)}");
    return 2;
}

// Loaded before the host is built, so a bad file fails here with a plain message.
using var certificate = mode == "kestrel-h2" ? X509Certificate2.CreateFromPemFile(args[2], args[3]) : null;

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen =>
{
    switch (mode)
    {
        case "raw":
            listen.UseConnectionHandler<RawHttpHandler>();
            break;
        case "kestrel-h2":
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(certificate!);
            break;
        case "kestrel-h2c":
            listen.Protocols = HttpProtocols.Http2;
            break;
        case "aspnetcore":
            listen.Protocols = HttpProtocols.Http1;
            break;
        default:
            break;
    }
}));
if (mode == "aspnetcore")
{
    // AsgiBridge's services as docs/aspnetcore.md sets them up; the access log off, like every other row (the
    // providers are cleared anyway, so it would cost a level check).
    builder.Services.AddAsgi(options => options.AccessLog = false);
}

await using var app = builder.Build();
switch (mode)
{
    case "kestrel" or "kestrel-h2" or "kestrel-h2c":
        app.Run(Endpoints.HelloOrStreamAsync);
        break;
    case "kestrel-ws":
        app.UseWebSockets();
        app.Run(context => context.Request.Path == "/ws" ? Endpoints.EchoWebSocketAsync(context) : Endpoints.HelloOrStreamAsync(context));
        break;
    case "aspnetcore":
        // A minimal-API hello and the host's own hello app beside it in the same pipeline, with the same response
        // bytes: TypedResults.Text sets the Content-Length (a bare string result would be written chunked) and here
        // the host's content type, "text/plain".
        app.MapGet("/mapget", () => TypedResults.Text("Hello, World!", "text/plain"));
        app.MapAsgi("/mapasgi", AsgiBridge.Host.Apps.HelloApp.App);

        // The process's allocated bytes so far: two reads around a load run give the bytes per request of a path.
        // With ASGIBRIDGE_BENCH_ALLOC_TYPES=1: which types the allocations are, sampled by the runtime every ~100 KB
        // (GCAllocationTick); /alloctypes lists the counts, /allocreset clears them. Off by default (it costs).
        if (Environment.GetEnvironmentVariable("ASGIBRIDGE_BENCH_ALLOC_TYPES") == "1")
        {
            var sampler = new AllocationSampler();
            app.Lifetime.ApplicationStopping.Register(sampler.Dispose);
            app.MapGet("/alloctypes", () => TypedResults.Text(sampler.Report(40)));
            app.MapGet("/allocreset", () =>
            {
                sampler.Clear();
                return TypedResults.Text("ok");
            });
        }

        app.MapGet("/allocated", () => TypedResults.Text(GC.GetTotalAllocatedBytes(precise: true).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        break;
    default:
        break; // raw: the connection handler answers everything, no HTTP pipeline.
}

await app.StartAsync();
var scheme = mode == "kestrel-h2" ? "https" : "http";
Console.WriteLine(
    $"RefServers {mode} on {scheme}://127.0.0.1:{port} pid={Environment.ProcessId} ServerGC={GCSettings.IsServerGC} " +
    $"Concurrent={GCSettings.LatencyMode != GCLatencyMode.Batch} ProcessorCount={Environment.ProcessorCount} " +
    $"INLINE_COMPLETIONS={Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") ?? "unset"}");
await app.WaitForShutdownAsync();
return 0;
