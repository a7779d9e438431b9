using System.Runtime.InteropServices;
using AsgiBridge.Proxy;

namespace AsgiBridge.Http1;

/// <summary>
/// Turns a parsed request head into the ASGI <c>http</c> scope: one exact-size copy of the head's bytes (which the
/// application may keep after the connection's buffers are reused) with the header index packed after them, and
/// the typed keys. A trusted proxy's forwarding headers (docs/proxies.md) take a separate path.
/// </summary>
internal static class ScopeBuilder
{
    /// <summary>
    /// What every scope of one connection shares, computed once per connection. <see cref="Forwarding"/> is set only
    /// when the peer is trusted to forward (<c>Asgi:ProxyHeaders</c> and <c>Asgi:ForwardedAllowIps</c>).
    /// </summary>
    public readonly record struct ConnectionFacts(string Scheme, string RootPath, AsgiEndpoint? Client, AsgiEndpoint? Server, ForwardingPolicy? Forwarding = null, Extensions.ScopeExtensions? Declared = null);

    public static AsgiScope Build(RequestHead head, in ConnectionFacts facts, IDictionary<string, object?> stateSource)
    {
        if (facts.Forwarding is { } forwarding
            && ForwardedHeaders.MayBePresent(head.Arena.Span, CollectionsMarshal.AsSpan(head.Fields))
            && TryBuildForwarded(head, facts, stateSource, forwarding) is { } forwardedScope)
        {
            return forwardedScope;
        }

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
        scope.Declared = Declared(head, facts);
        scope.SetPackedHeaders(data);
        scope.SetStateSource(stateSource);
        return scope;
    }

    /// <summary>
    /// The connection's extensions plus this request's: a 103 and trailer fields only for HTTP/1.1 (no 1xx to an
    /// HTTP/1.0 client, RFC 9110 §15.2; no chunked body to carry trailers), trailers only when its TE field accepts them.
    /// </summary>
    private static Extensions.ScopeExtensions Declared(RequestHead head, in ConnectionFacts facts) =>
        (facts.Declared ?? Extensions.ScopeExtensions.Http).ForRequest(earlyHint: !head.IsHttp10, trailers: !head.IsHttp10 && head.AcceptsTrailers);

    /// <summary>
    /// The scope of a trusted peer's request when its forwarding headers change something, else null. A method of its
    /// own so that <see cref="Build"/>'s frame has no <see cref="ForwardedResult"/> to clear on every request.
    /// </summary>
    private static AsgiScope? TryBuildForwarded(RequestHead head, in ConnectionFacts facts, IDictionary<string, object?> stateSource, ForwardingPolicy forwarding) =>
        ForwardedHeaders.TryResolve(new HeaderLines(head), forwarding, out var forwarded) ? BuildForwarded(head, facts, stateSource, forwarded) : null;

    /// <summary>The value of field <paramref name="i"/> as the app sees it: the Host field's is the target's authority when it has one.</summary>
    private static (int Start, int Length) HostAware(RequestHead head, int i) =>
        i == head.HostFieldIndex && head.AuthorityStart >= 0
            ? (head.AuthorityStart, head.AuthorityLength)
            : (head.Fields[i].ValueStart, head.Fields[i].ValueLength);

    /// <summary>
    /// The scope with what a trusted proxy forwarded. The array holds, after the head's bytes, what the scope adds:
    /// the forwarded host and the name of the field that keeps the request's own (<c>x-original-host</c>, or
    /// <c>host</c> when the request had none), and <c>raw_path</c> behind the forwarded prefix.
    /// </summary>
    private static AsgiScope BuildForwarded(RequestHead head, in ConnectionFacts facts, IDictionary<string, object?> stateSource, scoped in ForwardedResult forwarded)
    {
        var bytes = head.Arena.Span;
        var fields = head.Fields;
        var host = forwarded.Host;
        var hasHost = head.HostFieldIndex >= 0;
        var addedName = hasHost ? "x-original-host"u8 : "host"u8;
        var prefix = forwarded.Prefix;

        // ASGI: path includes root_path. Only an origin-form path gets the prefix (not the "*" of OPTIONS *).
        var prefixPath = !prefix.IsEmpty && head.RawPathLength > 0 && bytes[head.RawPathStart] == (byte)'/';
        var count = fields.Count;
        if (!host.IsEmpty)
        {
            // A client's own x-original-host would be indistinguishable from the one added here: it is dropped.
            count += 1 - CountOriginalHost(head);
        }

        var extra = (host.IsEmpty ? 0 : host.Length + addedName.Length) + (prefixPath ? prefix.Length + head.RawPathLength : 0);
        var indexStart = bytes.Length + extra;
        var data = GC.AllocateUninitializedArray<byte>(indexStart + PackedHeaders.IndexSize(count));
        bytes.CopyTo(data);
        var position = bytes.Length;
        var hostStart = position;
        host.CopyTo(data.AsSpan(position));
        position += host.Length;
        var nameStart = position;
        if (!host.IsEmpty)
        {
            addedName.CopyTo(data.AsSpan(position));
            position += addedName.Length;
        }

        var (rawPathStart, rawPathLength) = (head.RawPathStart, head.RawPathLength);
        if (prefixPath)
        {
            rawPathStart = position;
            prefix.CopyTo(data.AsSpan(position));
            bytes.Slice(head.RawPathStart, head.RawPathLength).CopyTo(data.AsSpan(position + prefix.Length));
            rawPathLength += prefix.Length;
        }

        var entry = 0;
        var (keptStart, keptLength) = (hostStart, host.Length);
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            var (valueStart, valueLength) = HostAware(head, i);
            if (!host.IsEmpty)
            {
                if (IsOriginalHost(head, i))
                {
                    continue;
                }

                if (i == head.HostFieldIndex)
                {
                    (keptStart, keptLength) = (valueStart, valueLength);
                    (valueStart, valueLength) = (hostStart, host.Length);
                }
            }

            PackedHeaders.WriteEntry(data, indexStart, entry++, field.NameStart, field.NameLength, valueStart, valueLength);
        }

        if (!host.IsEmpty)
        {
            PackedHeaders.WriteEntry(data, indexStart, entry++, nameStart, addedName.Length, keptStart, keptLength);
        }

        PackedHeaders.WriteCount(data, entry);

        var rawPath = data.AsMemory(rawPathStart, rawPathLength);
        var scheme = forwarded.Secure is { } secure ? (secure ? "https" : "http") : facts.Scheme;
        var rootPath = prefix.IsEmpty ? facts.RootPath : PathDecoder.Decode(prefix) + facts.RootPath;
        var scope = new AsgiScope(
            "http",
            head.IsHttp10 ? "1.0" : "1.1",
            head.Method,
            scheme,
            PathDecoder.Decode(rawPath.Span),
            rawPath,
            data.AsMemory(head.QueryStart, head.QueryLength),
            rootPath,
            forwarded.Client ?? facts.Client,
            facts.Server);
        scope.Declared = Declared(head, facts);
        scope.SetPackedHeaders(data);
        scope.SetStateSource(stateSource);
        return scope;
    }

    private static bool IsOriginalHost(RequestHead head, int i)
    {
        var field = head.Fields[i];
        return field.NameLength == 15 && head.Arena.Span.Slice(field.NameStart, 15).SequenceEqual("x-original-host"u8);
    }

    private static int CountOriginalHost(RequestHead head)
    {
        var count = 0;
        for (var i = 0; i < head.Fields.Count; i++)
        {
            count += IsOriginalHost(head, i) ? 1 : 0;
        }

        return count;
    }
}
