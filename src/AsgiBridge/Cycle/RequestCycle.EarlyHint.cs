using System.Collections;
using AsgiBridge.Infrastructure;

namespace AsgiBridge.Cycle;

/// <summary>
/// <c>http.response.early_hint</c> (ASGI extension; RFC 8297): a <c>103 Early Hints</c> with one <c>Link</c> field per
/// entry of <c>links</c>, before the final response. Several may be sent. Only where the backend declares the extension
/// (<see cref="EarlyHintsAllowed"/>): never to an HTTP/1.0 client, which must not get a 1xx (RFC 9110 §15.2).
/// </summary>
internal sealed partial class RequestCycle
{
    private const string EarlyHintType = "http.response.early_hint";

    private static readonly ReadOnlyMemory<byte> s_link = "link"u8.ToArray();

    /// <summary>Whether this request's scope declares <c>http.response.early_hint</c>; set by the backend after <see cref="Reset"/>.</summary>
    public bool EarlyHintsAllowed { get; set; }

    private async ValueTask SendEarlyHintAsync(IDictionary<string, object?> message)
    {
        if (!EarlyHintsAllowed)
        {
            ThrowHelper.ThrowProtocol($"'{EarlyHintType}' event: the extension is not declared in scope['extensions'] for this request.");
        }

        var headers = Links(message.TryGetValue("links", out var links) ? links : null);
        _ = ResponseHeaderInfo.Validate(headers, EarlyHintType);
        if (_clientGone)
        {
            throw new ClientDisconnectedException();
        }

        CheckEarlyHintAllowed();
        await _wire.EnterWriteAsync().ConfigureAwait(false);
        try
        {
            // Re-checked under the gate: a concurrent receive may have answered a body error itself.
            if (_clientGone)
            {
                throw new ClientDisconnectedException();
            }

            CheckEarlyHintAllowed();
            await _wire.WriteInformationalAsync(103, headers).ConfigureAwait(false);
        }
        finally
        {
            _wire.ExitWrite();
        }
    }

    private void CheckEarlyHintAllowed()
    {
        if (_state != ResponseState.NotStarted)
        {
            ThrowHelper.ThrowProtocol($"'{EarlyHintType}' event sent after 'http.response.start': hints come before the final response.");
        }

        if (_appDone)
        {
            ThrowHelper.ThrowProtocol($"'{EarlyHintType}' event sent after the application returned.");
        }
    }

    /// <summary>The <c>links</c> list (byte strings, or strings) as <c>Link</c> fields.</summary>
    private static List<AsgiHeader> Links(object? links)
    {
        if (links is null or string or byte[] || links is not IEnumerable sequence)
        {
            throw new AsgiProtocolException($"'{EarlyHintType}' event: key 'links' must be a list of byte strings, not {(links is null ? "missing" : links.GetType().Name)}.");
        }

        var headers = new List<AsgiHeader>();
        foreach (var link in sequence)
        {
            headers.Add(new AsgiHeader(s_link, AsgiValues.ToBytes(link, EarlyHintType, "links")));
        }

        if (headers.Count == 0)
        {
            throw new AsgiProtocolException($"'{EarlyHintType}' event: key 'links' is empty; a 103 without links says nothing.");
        }

        return headers;
    }
}
