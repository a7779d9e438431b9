namespace AsgiBridge.Http1;

/// <summary>
/// Turns a parsed request head into the ASGI <c>http</c> scope: one exact-size copy of the head's bytes (which the
/// application may keep after the connection's buffers are reused), the header list over it, and the typed keys.
/// </summary>
internal static class ScopeBuilder
{
    /// <summary>What every scope of one connection shares, computed once per connection.</summary>
    public readonly record struct ConnectionFacts(string Scheme, string RootPath, AsgiEndpoint? Client, AsgiEndpoint? Server);

    public static AsgiScope Build(RequestHead head, in ConnectionFacts facts, IDictionary<string, object?> stateSource)
    {
        var data = head.Arena.ToArray();
        var fields = head.Fields;
        var headers = new AsgiHeader[fields.Count];
        for (var i = 0; i < headers.Length; i++)
        {
            var field = fields[i];
            var value = i == head.HostFieldIndex && head.AuthorityStart >= 0
                ? data.AsMemory(head.AuthorityStart, head.AuthorityLength) // RFC 9112 §3.2.2: the target's authority wins.
                : data.AsMemory(field.ValueStart, field.ValueLength);
            headers[i] = new AsgiHeader(data.AsMemory(field.NameStart, field.NameLength), value);
        }

        var rawPath = data.AsMemory(head.RawPathStart, head.RawPathLength);
        var scope = new AsgiScope("http")
        {
            HttpVersion = head.IsHttp10 ? "1.0" : "1.1",
            Method = head.Method,
            Scheme = facts.Scheme,
            Path = PathDecoder.Decode(rawPath.Span),
            RawPath = rawPath,
            QueryString = data.AsMemory(head.QueryStart, head.QueryLength),
            RootPath = facts.RootPath,
            Headers = headers,
            Client = facts.Client,
            Server = facts.Server,
        };
        scope.SetStateSource(stateSource);
        return scope;
    }
}
