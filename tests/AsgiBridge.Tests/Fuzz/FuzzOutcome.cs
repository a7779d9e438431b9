namespace AsgiBridge.Tests.Fuzz;

/// <summary>How a case's connection ended.</summary>
internal enum FuzzEnd
{
    /// <summary>The server closed it (EOF).</summary>
    Closed,

    /// <summary>The server reset it.</summary>
    Reset,

    /// <summary>Neither within the case's bound: the server is stuck on it.</summary>
    Hung,

    /// <summary>The connection could not be made: the host is down or overwhelmed.</summary>
    Refused,
}

/// <summary>What the server did with one delivery of a case's bytes.</summary>
internal sealed record FuzzOutcome(IReadOnlyList<ScannedResponse> Responses, FuzzEnd End, string? Problem, TimeSpan Elapsed)
{
    /// <summary>The statuses of the responses that are not interim (100 Continue); 101 counts, it ends HTTP.</summary>
    public IEnumerable<int> FinalStatuses => Responses.Where(r => !r.IsInterim).Select(r => r.Status);

    public override string ToString() =>
        $"[{string.Join(' ', Responses.Select(r => r.Status + (r.Close ? "/close" : "")))}] then {End} after {Elapsed.TotalMilliseconds:0} ms" +
        (Problem is null ? "" : $"; {Problem}");
}
