namespace AsgiBridge.Http1;

/// <summary>
/// Turns a parsed request head into the ASGI <c>http</c> scope: one exact-size copy of the head's bytes (which the
/// application may keep after the connection's buffers are reused) with the header index packed after them, and
/// the typed keys.
/// </summary>
internal static class ScopeBuilder
{
    /// <summary>What every scope of one connection shares, computed once per connection.</summary>
    public readonly record struct ConnectionFacts(string Scheme, string RootPath, AsgiEndpoint? Client, AsgiEndpoint? Server);

    public static AsgiScope Build(RequestHead head, in ConnectionFacts facts, IDictionary<string, object?> stateSource)
    {
        // One array for everything the application may keep: the head's bytes and the header index after them.
        var bytes = head.Arena.Span;
        var fields = head.Fields;
        var data = GC.AllocateUninitializedArray<byte>(bytes.Length + PackedHeaders.IndexSize(fields.Count));
        bytes.CopyTo(data);
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            var (valueStart, valueLength) = i == head.HostFieldIndex && head.AuthorityStart >= 0
                ? (head.AuthorityStart, head.AuthorityLength) // RFC 9112 §3.2.2: the target's authority wins.
                : (field.ValueStart, field.ValueLength);
            PackedHeaders.WriteEntry(data, bytes.Length, i, field.NameStart, field.NameLength, valueStart, valueLength);
        }

        PackedHeaders.WriteCount(data, fields.Count);

        var rawPath = data.AsMemory(head.RawPathStart, head.RawPathLength);
        var scope = new AsgiScope(
            "http",
            head.IsHttp10 ? "1.0" : "1.1",
            head.Method,
            facts.Scheme,
            PathDecoder.Decode(rawPath.Span),
            rawPath,
            data.AsMemory(head.QueryStart, head.QueryLength),
            facts.RootPath,
            facts.Client,
            facts.Server);
        scope.DeclaresPathSend = true;
        scope.SetPackedHeaders(data);
        scope.SetStateSource(stateSource);
        return scope;
    }
}
