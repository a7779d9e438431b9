using System.Buffers;
using System.Text;
using System.Text.Json;

namespace AsgiBridge.Host.Apps;

/// <summary>
/// <c>echo</c>: answers every request with 200 and a JSON description of what the server handed the app: the
/// scope's keys (bytes as ISO-8859-1 strings, headers as [name, value] pairs) and the whole body in base64.
/// Every WebSocket, on any path, is echoed message by message.
/// </summary>
public static class EchoApp
{
    private static readonly AsgiHeader[] s_headers = [new("content-type", "application/json")];

    /// <summary>The app.</summary>
    public static readonly AsgiApp App = static async (scope, receive, send) =>
    {
        if (scope.Type == "websocket")
        {
            await WebSocketEcho.RunAsync(scope, receive, send).ConfigureAwait(false);
            return;
        }

        if (scope.Type == "lifespan")
        {
            await LifespanNoop.RunAsync(receive, send).ConfigureAwait(false);
            return;
        }

        if (scope.Type != "http")
        {
            return;
        }

        var body = new ArrayBufferWriter<byte>();
        while (true)
        {
            var message = await receive().ConfigureAwait(false);
            if (message is not HttpRequestEvent request)
            {
                return; // http.disconnect: the client is gone.
            }

            body.Write(request.Body.Span);
            if (!request.MoreBody)
            {
                break;
            }
        }

        await send(new HttpResponseStartEvent(200, s_headers)).ConfigureAwait(false);
        await send(new HttpResponseBodyEvent(Describe(scope, body.WrittenSpan))).ConfigureAwait(false);
    };

    /// <summary>The JSON document the echo app answers with.</summary>
    /// <param name="scope">The request scope.</param>
    /// <param name="body">The whole request body.</param>
    /// <returns>UTF-8 JSON.</returns>
    public static byte[] Describe(AsgiScope scope, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", scope.Type);
            json.WriteString("http_version", scope.HttpVersion);
            json.WriteString("method", scope.Method);
            json.WriteString("scheme", scope.Scheme);
            json.WriteString("path", scope.Path);
            json.WriteString("raw_path", Latin1(scope.RawPath.Span));
            json.WriteString("query_string", Latin1(scope.QueryString.Span));
            json.WriteString("root_path", scope.RootPath);
            json.WriteStartArray("headers");
            foreach (var header in scope.Headers)
            {
                json.WriteStartArray();
                json.WriteStringValue(Latin1(header.Name.Span));
                json.WriteStringValue(Latin1(header.Value.Span));
                json.WriteEndArray();
            }

            json.WriteEndArray();
            WriteEndpoint(json, "client", scope.Client);
            WriteEndpoint(json, "server", scope.Server);
            json.WriteBase64String("body", body);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteEndpoint(Utf8JsonWriter json, string name, AsgiEndpoint? endpoint)
    {
        if (endpoint is null)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartArray(name);
        json.WriteStringValue(endpoint.Host);
        if (endpoint.Port is int port)
        {
            json.WriteNumberValue(port);
        }
        else
        {
            json.WriteNullValue();
        }

        json.WriteEndArray();
    }

    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}
