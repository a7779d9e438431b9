using System.Net.WebSockets;
using System.Text;

namespace AsgiBridge.Python.Tests.Infrastructure;

/// <summary>
/// One Python app served twice, by AsgiBridge (<c>--python</c>) and by uvicorn, for differential tests: the same
/// request to both must give the same status line, headers (but <c>date</c> and <c>server</c>) and body. Started once
/// per test class; when the packages are missing it starts nothing and <see cref="SkipReason"/> says why.
/// </summary>
public abstract class ServerPair : IAsyncLifetime
{
    /// <summary>Headers each server sets its own way: the date of the response, the server's name.</summary>
    private static readonly HashSet<string> s_ignored = ["date", "server"];

    /// <summary>What a WebSocket handshake request adds to a GET (RFC 6455 §4.1), for handshakes the app refuses.</summary>
    internal static readonly (string, string)[] WebSocketUpgrade =
        [("upgrade", "websocket"), ("connection", "Upgrade"), ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="), ("sec-websocket-version", "13")];

    private ServerProcess? _bridge;
    private ServerProcess? _uvicorn;

    protected ServerPair(string app, params string[] modules)
    {
        App = app;
        SkipReason = PythonPackages.Missing(["uvicorn", .. modules]);
    }

    public static string AppDir => Path.Combine(AppContext.BaseDirectory, "apps");

    public string App { get; }

    public string? SkipReason { get; }

    /// <summary>Command-line flags both servers take the same way (uvicorn's, e.g. <c>--root-path</c>).</summary>
    protected virtual string[] ServerArguments => [];

    internal ServerProcess Bridge => _bridge ?? throw new InvalidOperationException("not started");

    internal ServerProcess Uvicorn => _uvicorn ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        if (SkipReason is not null)
        {
            return;
        }

        var bridge = ServerProcess.StartAsgiBridgeAsync(App, AppDir, ServerArguments);
        var uvicorn = ServerProcess.StartUvicornAsync(App, AppDir, ServerArguments);
        try
        {
            await Task.WhenAll(bridge, uvicorn);
        }
        finally
        {
            _bridge = bridge.IsCompletedSuccessfully ? bridge.Result : null;
            _uvicorn = uvicorn.IsCompletedSuccessfully ? uvicorn.Result : null;
        }
    }

    public async Task DisposeAsync()
    {
        if (_bridge is not null)
        {
            await _bridge.DisposeAsync();
        }

        if (_uvicorn is not null)
        {
            await _uvicorn.DisposeAsync();
        }
    }

    /// <summary>Sends the request to both servers; asserts the responses agree; returns AsgiBridge's.</summary>
    internal async Task<RawResponse> SameAsync(string method, string target, IEnumerable<(string, string)>? headers = null, byte[]? body = null, Func<RawResponse, RawResponse>? normalize = null, string version = "1.1")
    {
        var (bridge, uvicorn) = await BothAsync(method, target, headers, body, version);
        AssertSame(normalize?.Invoke(bridge) ?? bridge, normalize?.Invoke(uvicorn) ?? uvicorn, $"{method} {target}");
        return bridge;
    }

    /// <summary>The same request to both servers, sequentially (AsgiBridge first); no assertion.</summary>
    internal async Task<(RawResponse Bridge, RawResponse Uvicorn)> BothAsync(string method, string target, IEnumerable<(string, string)>? headers = null, byte[]? body = null, string version = "1.1")
    {
        var list = headers?.ToList();
        var bridge = await RawHttp.SendAsync(Bridge.Port, method, target, list, body, version);
        var uvicorn = await RawHttp.SendAsync(Uvicorn.Port, method, target, list, body, version);
        return (bridge, uvicorn);
    }

    internal static void AssertSame(RawResponse bridge, RawResponse uvicorn, string what)
    {
        var context = $"{what}\n--- AsgiBridge:\n{bridge}\n--- uvicorn:\n{uvicorn}";
        Assert.True(bridge.Status == uvicorn.Status, $"Status differs: {context}");
        Assert.True(bridge.Reason == uvicorn.Reason, $"Reason phrase differs: {context}");

        Assert.True(Comparable(bridge).SequenceEqual(Comparable(uvicorn)), $"Headers differ: {context}");
        Assert.True(bridge.Body.AsSpan().SequenceEqual(uvicorn.Body), $"Body differs: {context}");
    }

    /// <summary>The same keep-alive sequence to both servers (each on one connection); asserts the responses agree pairwise.</summary>
    internal async Task<List<RawResponse>> SameSequenceAsync(params RawRequest[] requests)
    {
        var bridge = await RawHttp.SendManyAsync(Bridge.Port, requests);
        var uvicorn = await RawHttp.SendManyAsync(Uvicorn.Port, requests);
        for (var i = 0; i < requests.Length; i++)
        {
            AssertSame(bridge[i], uvicorn[i], $"{requests[i].Method} {requests[i].Target} (request {i + 1} of {requests.Length} on one connection)");
        }

        return bridge;
    }

    /// <summary>The same requests pipelined to both servers (all written at once on one connection); asserts the responses agree pairwise.</summary>
    internal async Task<List<RawResponse>> SamePipelinedAsync(params RawRequest[] requests)
    {
        var bridge = await RawHttp.SendPipelinedAsync(Bridge.Port, requests);
        var uvicorn = await RawHttp.SendPipelinedAsync(Uvicorn.Port, requests);
        for (var i = 0; i < requests.Length; i++)
        {
            AssertSame(bridge[i], uvicorn[i], $"{requests[i].Method} {requests[i].Target} (request {i + 1} of {requests.Length}, pipelined)");
        }

        return bridge;
    }

    /// <summary>
    /// The same WebSocket conversation with both servers: the messages each sends back, in order (<paramref name="subprotocol"/>:
    /// the subprotocols offered, comma-separated).
    /// </summary>
    internal async Task<(List<string> Bridge, List<string> Uvicorn)> WebSocketBothAsync(string path, IReadOnlyList<string> texts, string? subprotocol = null)
    {
        return (await ConverseAsync(Bridge.Port, path, texts, subprotocol), await ConverseAsync(Uvicorn.Port, path, texts, subprotocol));
    }

    /// <summary>
    /// Sends each text (one starting <c>bytes:</c> as a binary message of the rest), collecting what comes back until the
    /// server closes or the texts run out.
    /// </summary>
    internal static async Task<List<string>> ConverseAsync(int port, string path, IReadOnlyList<string> texts, string? subprotocol = null)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        foreach (var offered in subprotocol?.Split(',', StringSplitOptions.TrimEntries) ?? [])
        {
            socket.Options.AddSubProtocol(offered);
        }

        var seen = new List<string>();
        try
        {
            await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}{path}"), cancel.Token);
        }
        catch (WebSocketException ex)
        {
            seen.Add($"connect failed: {(int?)socket.HttpStatusCode ?? 0} {ex.WebSocketErrorCode}");
            return seen;
        }

        seen.Add($"subprotocol: {socket.SubProtocol}");
        var buffer = new byte[65536];
        foreach (var text in texts)
        {
            var binary = text.StartsWith("bytes:", StringComparison.Ordinal);
            await socket.SendAsync(Encoding.UTF8.GetBytes(binary ? text[6..] : text), binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, cancel.Token);
            WebSocketReceiveResult result;
            try
            {
                result = await socket.ReceiveAsync(buffer, cancel.Token);
            }
            catch (WebSocketException ex)
            {
                // The server ended the connection without a close frame (a client reports 1006).
                seen.Add($"dropped: {ex.WebSocketErrorCode}");
                return seen;
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                seen.Add($"close {(int?)result.CloseStatus} {result.CloseStatusDescription}");
                return seen;
            }

            seen.Add($"{result.MessageType}: {Encoding.UTF8.GetString(buffer, 0, result.Count)}");
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cancel.Token);
        seen.Add($"closed {(int?)socket.CloseStatus}");
        return seen;
    }

    private static IEnumerable<string> Comparable(RawResponse response) =>
        response.Headers
            .Where(h => !s_ignored.Contains(h.Name))
            .Select(h => $"{h.Name}: {(h.Name == "allow" ? AsSet(h.Value) : h.Value)}")
            .Order(StringComparer.Ordinal);

    /// <summary>
    /// An <c>allow</c> list in a fixed order: Werkzeug (Quart) keeps a route's methods in a Python set, whose order
    /// follows the string hash seed, different in every process (the same app under uvicorn twice differs too).
    /// </summary>
    private static string AsSet(string list) =>
        string.Join(", ", list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

}
