using System.Net.Sockets;
using System.Text;
using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Bridge;

/// <summary>
/// The HTTP extensions AsgiBridge's handler declares, used from a Python app exactly as the ASGI spec writes them
/// (apps/extensions_app.py): <c>http.response.early_hint</c> and <c>http.response.trailers</c>, checked on the wire.
/// </summary>
public sealed class ExtensionsFromPythonTests
{
    private static async Task<string> ExchangeAsync(int port, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.Latin1);
        return await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20));
    }

    [SkippableFact]
    public async Task Early_hints_and_trailers_from_Python_reach_the_wire()
    {
        var missing = PythonPackages.Missing();
        Skip.If(missing is not null, missing);
        await using var server = await ServerProcess.StartAsgiBridgeAsync("extensions_app:app", ServerPair.AppDir);

        var hints = await ExchangeAsync(server.Port, "GET /hints HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload; as=style\r\n\r\nHTTP/1.1 200 OK\r\n", hints, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n4\r\npage\r\n0\r\n\r\n", hints, StringComparison.Ordinal); // chunked, as uvicorn frames an unsized body

        var trailers = await ExchangeAsync(server.Port, "GET /trailers HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\n\r\n");
        Assert.Contains("transfer-encoding: chunked\r\n", trailers, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n4\r\ntrue\r\n0\r\nx-checksum: abc\r\n\r\n", trailers, StringComparison.Ordinal);

        // Without TE: trailers the extension is not declared and the fields are dropped.
        var plain = await ExchangeAsync(server.Port, "GET /trailers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.EndsWith("\r\n\r\n5\r\nfalse\r\n0\r\n\r\n", plain, StringComparison.Ordinal);
    }
}
