using AsgiBridge.Infrastructure;

namespace AsgiBridge.Cycle;

/// <summary>
/// <c>http.response.trailers</c> (ASGI extension): an application that sent <c>trailers: true</c> in
/// <c>http.response.start</c> completes its response, after the last body piece, with one or more trailer events
/// (<c>more_trailers</c> until the last). The fields go on the wire where the request's <see cref="TrailerSupport"/>
/// allows (the scope then declares the extension); elsewhere the events are accepted and their fields dropped, as a
/// recipient may drop trailers it did not ask for (RFC 9110 §6.5.1, §10.1.4).
/// </summary>
internal sealed partial class RequestCycle
{
    private const string TrailersType = "http.response.trailers";

    private List<AsgiHeader>? _trailerFields;

    /// <summary>How this request's response can carry trailer fields; set by the backend after <see cref="Reset"/>.</summary>
    public TrailerSupport TrailerSupport { get; set; }

    /// <summary>
    /// On HTTP/1.1 trailer fields ride in the last chunk, so a body the application framed with a content-length has no
    /// place for them: refused at the start, while a clean 500 is still possible, rather than dropped unseen.
    /// </summary>
    private void CheckTrailersFitBody(int status)
    {
        var carriesBody = !_isHead && status >= 200 && status != 204 && status != 304;
        if (TrailerSupport == TrailerSupport.ChunkedBody && carriesBody && _info.HasContentLength)
        {
            ThrowHelper.ThrowProtocol("'http.response.start' event: 'trailers': true with a content-length header: HTTP/1.1 carries trailer fields only in a chunked body (RFC 9112 §7.1.2); remove the content-length.");
        }
    }

    private ValueTask SendTrailersAsync(IReadOnlyList<AsgiHeader> fields, bool moreTrailers)
    {
        if (_clientGone)
        {
            throw new ClientDisconnectedException();
        }

        CheckTrailersAllowed();
        ValidateTrailerFields(fields);
        if (moreTrailers)
        {
            (_trailerFields ??= []).AddRange(fields);
            return default;
        }

        IReadOnlyList<AsgiHeader> all = fields;
        if (_trailerFields is { } earlier)
        {
            earlier.AddRange(fields);
            all = earlier;
        }

        return WriteTrailersAsync(all);
    }

    private async ValueTask WriteTrailersAsync(IReadOnlyList<AsgiHeader> fields)
    {
        await _wire.EnterWriteAsync().ConfigureAwait(false);
        try
        {
            // Re-checked under the gate: a concurrent receive may have answered a body error itself.
            if (_clientGone)
            {
                throw new ClientDisconnectedException();
            }

            CheckTrailersAllowed();
            _state = ResponseState.Complete;

            // A response without content (HEAD, 204, 304) has no place for trailers on any protocol we serve.
            var carried = TrailerSupport != TrailerSupport.None && _bodyKind != ResponseBodyKind.None ? fields : [];
            await _wire.WriteTrailersAsync(carried).ConfigureAwait(false);
        }
        finally
        {
            LeaveWriteGate();
        }
    }

    private void CheckTrailersAllowed()
    {
        if (!_trailersAnnounced)
        {
            ThrowHelper.ThrowProtocol(_state == ResponseState.Complete
                ? $"'{TrailersType}' event sent after the response was complete."
                : $"'{TrailersType}' event sent without 'trailers': true in 'http.response.start'.");
        }

        if (_state != ResponseState.TrailersPending)
        {
            ThrowHelper.ThrowProtocol(_state == ResponseState.Complete
                ? $"'{TrailersType}' event sent after the response was complete (more_trailers was false)."
                : $"'{TrailersType}' event sent before the last 'http.response.body' (more_body false).");
        }

        if (_appDone)
        {
            ThrowHelper.ThrowProtocol($"'{TrailersType}' event sent after the application returned.");
        }
    }

    /// <summary>
    /// Trailer fields are checked as header fields are (tokens, no CR/LF/NUL), and may not be fields that frame,
    /// route or manage the message or the connection: those must be known before the content (RFC 9110 §6.5.1).
    /// </summary>
    private static void ValidateTrailerFields(IReadOnlyList<AsgiHeader> fields)
    {
        _ = ResponseHeaderInfo.Validate(fields, TrailersType);
        for (var i = 0; i < fields.Count; i++)
        {
            var name = fields[i].Name.Span;
            if (IsForbiddenTrailer(name))
            {
                ThrowHelper.ThrowProtocol($"'{TrailersType}' event: key 'headers': '{System.Text.Encoding.Latin1.GetString(name)}' cannot be sent as a trailer field (RFC 9110 §6.5.1).");
            }
        }
    }

    private static bool IsForbiddenTrailer(ReadOnlySpan<byte> name)
    {
        ReadOnlySpan<string> forbidden =
        [
            "content-length", "transfer-encoding", "content-type", "content-encoding", "content-range", "host",
            "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "set-cookie",
            "authorization", "www-authenticate", "proxy-authenticate", "cache-control", "expires", "location", "vary",
            "date", "age", "retry-after",
        ];
        foreach (var candidate in forbidden)
        {
            if (name.Length == candidate.Length && System.Text.Ascii.EqualsIgnoreCase(name, candidate))
            {
                return true;
            }
        }

        return false;
    }
}
