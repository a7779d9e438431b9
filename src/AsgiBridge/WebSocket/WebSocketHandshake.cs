using System.Security.Cryptography;
using System.Text;
using AsgiBridge.Http1;

namespace AsgiBridge.WebSocket;

/// <summary>
/// The opening handshake of RFC 6455 §4.2.1: which requests are WebSocket requests, whether they are well-formed,
/// and the <c>Sec-WebSocket-Accept</c> answer. A malformed handshake gets 400 (426 for an unsupported version)
/// and never reaches the application.
/// </summary>
internal sealed class WebSocketHandshake
{
    private const string KeyGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private WebSocketHandshake(string accept, List<string> subprotocols, string extensions)
    {
        Accept = accept;
        Subprotocols = subprotocols;
        ExtensionsOffer = extensions;
    }

    public string Accept { get; }

    public IReadOnlyList<string> Subprotocols { get; }

    public string ExtensionsOffer { get; }

    /// <summary>A request that asks for a WebSocket: <c>Upgrade: websocket</c> and <c>Connection: upgrade</c>.</summary>
    public static bool IsWebSocketRequest(RequestHead head) => head.UpgradeWebSocket && head.ConnectionUpgrade;

    /// <summary>Validates the handshake. Returns null with the status (400 or 426) when it is refused.</summary>
    public static WebSocketHandshake? TryCreate(RequestHead head, IReadOnlyList<AsgiHeader> headers, out int status, out string message)
    {
        status = 400;
        string? key = null;
        string? version = null;
        var keyCount = 0;
        var versionCount = 0;
        var subprotocols = new List<string>();
        var extensions = new StringBuilder();
        foreach (var header in headers)
        {
            var name = header.Name.Span;
            if (name.SequenceEqual("sec-websocket-key"u8))
            {
                keyCount++;
                key = header.ValueString;
            }
            else if (name.SequenceEqual("sec-websocket-version"u8))
            {
                versionCount++;
                version = header.ValueString;
            }
            else if (name.SequenceEqual("sec-websocket-protocol"u8))
            {
                foreach (var protocol in header.ValueString.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    subprotocols.Add(protocol);
                }
            }
            else if (name.SequenceEqual("sec-websocket-extensions"u8))
            {
                extensions.Append(extensions.Length > 0 ? ", " : "").Append(header.ValueString);
            }
        }

        if (head.Method != "GET" || head.IsHttp10)
        {
            message = "A WebSocket handshake must be an HTTP/1.1 GET request.";
            return null;
        }

        if (head.Framing != BodyFraming.None)
        {
            message = "A WebSocket handshake must not have a body.";
            return null;
        }

        if (versionCount != 1 || version != "13")
        {
            // RFC 6455 §4.4: answer an unsupported version with 426 and the versions we speak.
            status = versionCount == 0 ? 400 : 426;
            message = versionCount == 0 ? "Missing Sec-WebSocket-Version." : "Unsupported Sec-WebSocket-Version: this server speaks version 13.";
            return null;
        }

        if (keyCount != 1 || !IsValidKey(key!))
        {
            message = "Sec-WebSocket-Key must be given once, as 16 bytes in base64.";
            return null;
        }

        status = 101;
        message = "";
        return new WebSocketHandshake(ComputeAccept(key!), subprotocols, extensions.ToString());
    }

    private static bool IsValidKey(string key)
    {
        Span<byte> decoded = stackalloc byte[18];
        return key.Length == 24 && Convert.TryFromBase64String(key, decoded, out var written) && written == 16;
    }

    /// <summary>base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2).</summary>
    public static string ComputeAccept(string key)
    {
        Span<byte> hash = stackalloc byte[20];
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 for the accept key; it is not used for security here.
        SHA1.HashData(Encoding.ASCII.GetBytes(key + KeyGuid), hash);
#pragma warning restore CA5350
        return Convert.ToBase64String(hash);
    }
}
