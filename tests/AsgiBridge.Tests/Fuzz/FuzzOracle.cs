namespace AsgiBridge.Tests.Fuzz;

/// <summary>What the server must do with any bytes at all (docs/http1.md), checked on every case.</summary>
internal static class FuzzOracle
{
    /// <summary>
    /// Every status the host may answer with: the echo app's 200; 100 Continue and 101 Switching Protocols; the
    /// statuses of the rejections (docs/http1.md, Rejections: 400, 405, 408, 413, 414, 431, 501, 505); the WebSocket
    /// handshake's 400 and 426. Nothing else: in particular no 5xx but 501 and 505.
    /// </summary>
    public static IReadOnlySet<int> DocumentedStatuses { get; } = new SortedSet<int> { 100, 101, 200, 400, 405, 408, 413, 414, 426, 431, 501, 505 };

    /// <summary>The failure, or null when the server behaved as documented.</summary>
    /// <param name="whole">The bytes sent in one write.</param>
    /// <param name="pieces">The same bytes sent in pieces, when the case does that.</param>
    public static string? Judge(FuzzOutcome whole, FuzzOutcome? pieces)
    {
        if (Judge(whole) is { } failure)
        {
            return failure + " (sent whole)";
        }

        if (pieces is null)
        {
            return null;
        }

        if (Judge(pieces) is { } piecesFailure)
        {
            return piecesFailure + " (sent in pieces)";
        }

        // The answer depends only on the bytes, never on how they were split (docs/http1.md).
        return whole.FinalStatuses.SequenceEqual(pieces.FinalStatuses)
            ? null
            : $"split-dependent: whole {whole}, in pieces {pieces}";
    }

    private static string? Judge(FuzzOutcome outcome)
    {
        switch (outcome.End)
        {
            case FuzzEnd.Refused:
                return $"connection refused: {outcome.Problem}";
            case FuzzEnd.Hung:
                return $"hang: connection not ended by the server: {outcome}";
        }

        if (outcome.Problem is not null)
        {
            return $"bad response: {outcome}";
        }

        var responses = outcome.Responses;
        for (var i = 0; i < responses.Count; i++)
        {
            var status = responses[i].Status;
            if (!DocumentedStatuses.Contains(status))
            {
                return $"undocumented status {status}: {outcome}";
            }

            // A rejection ends the connection and says so; nothing after the bad bytes is answered (docs/http1.md).
            if (status >= 400 && !responses[i].Close)
            {
                return $"rejection {status} without connection: close: {outcome}";
            }

            // A response that says connection: close is the last one on the connection (RFC 9112 §9.6).
            if (responses[i].Close && i != responses.Count - 1)
            {
                return $"response after connection: close: {outcome}";
            }
        }

        return null;
    }
}
