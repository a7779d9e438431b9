using AsgiBridge.Python.Interop;

namespace AsgiBridge.Python.Bridge;

/// <summary>
/// A server scope as the Python dict an ASGI app expects (ASGI spec, "HTTP &amp; WebSocket message format"): <c>bytes</c>
/// for <c>raw_path</c>, <c>query_string</c> and header names and values, headers a list of 2-tuples, <c>client</c> and
/// <c>server</c> tuples, <c>state</c> a shallow copy of the lifespan state (the lifespan scope gets the dict itself).
/// Loop thread, GIL held.
/// </summary>
internal static class ScopeToPython
{
    /// <summary>The keys of an HTTP or WebSocket scope (a WebSocket's <c>subprotocols</c> takes <c>method</c>'s place).</summary>
    private const int ConnectionScopeKeys = 14;

    private static AsgiEndpoint? s_server;
    private static nint s_serverTuple;

    public static nint Convert(AsgiScope scope, nint lifespanState)
    {
        // Sized once: a new dict's table grows twice on the way to 14 keys, re-inserting what it holds each time.
        var dict = scope.Type == "lifespan" ? CPython.NewDict() : CPython.NewDict(ConnectionScopeKeys);
        CPython.DictSetStolen(dict, PyStrings.Type, PyStrings.New(scope.Type));
        CPython.DictSetStolen(dict, PyStrings.Asgi, scope.AsgiIfMade is { } asgi ? ValuesToPython.Convert(asgi) : DefaultAsgi());
        if (scope.Type == "lifespan")
        {
            CPython.IncRef(lifespanState);
            CPython.DictSetStolen(dict, PyStrings.State, lifespanState);
            return dict;
        }

        CPython.DictSetStolen(dict, PyStrings.HttpVersion, PyStrings.New(scope.HttpVersion));
        if (scope.Type == "http")
        {
            CPython.DictSetStolen(dict, PyStrings.Method, PyStrings.New(scope.Method));
        }

        CPython.DictSetStolen(dict, PyStrings.Scheme, PyStrings.New(scope.Scheme));
        CPython.DictSetStolen(dict, PyStrings.Path, CPython.NewString(scope.Path));
        CPython.DictSetStolen(dict, PyStrings.RawPath, CPython.NewBytes(scope.RawPath.Span));
        CPython.DictSetStolen(dict, PyStrings.QueryString, CPython.NewBytes(scope.QueryString.Span));
        CPython.DictSetStolen(dict, PyStrings.RootPath, PyStrings.New(scope.RootPath));
        CPython.DictSetStolen(dict, PyStrings.Headers, scope.PackedHeadersIfUnread is { } packed ? Headers(packed) : Headers(scope.Headers));
        CPython.DictSetStolen(dict, PyStrings.Client, ValuesToPython.Endpoint(scope.Client));
        CPython.DictSetStolen(dict, PyStrings.Server, Server(scope.Server));
        if (scope.Subprotocols is { } subprotocols)
        {
            CPython.DictSetStolen(dict, PyStrings.Subprotocols, ValuesToPython.Convert(subprotocols));
        }

        CPython.DictSetStolen(dict, PyStrings.State, CPython.DictCopy(lifespanState));
        CPython.DictSetStolen(dict, PyStrings.Extensions, Extensions(scope));
        return dict;
    }

    /// <summary>
    /// The <c>server</c> tuple, shared by the scopes of the same listening address: a tuple is immutable, and a host
    /// listens on few addresses, so the last one made is kept (loop thread only).
    /// </summary>
    private static nint Server(AsgiEndpoint? server)
    {
        if (server is not null && s_serverTuple != 0 && server == s_server)
        {
            CPython.IncRef(s_serverTuple);
            return s_serverTuple;
        }

        var tuple = ValuesToPython.Endpoint(server);
        if (server is not null && tuple != 0)
        {
            CPython.DecRef(s_serverTuple);
            CPython.IncRef(tuple);
            (s_server, s_serverTuple) = (server, tuple);
        }

        return tuple;
    }

    /// <summary>
    /// <c>{"version": "3.0", "spec_version": "2.4"}</c>, made straight in Python: reading <see cref="AsgiScope.Asgi"/>
    /// would make a .NET dictionary per request only to copy it.
    /// </summary>
    private static nint DefaultAsgi()
    {
        var asgi = CPython.NewDict();
        CPython.DictSetStolen(asgi, PyStrings.Version, PyStrings.New(AsgiScope.AsgiVersion));
        CPython.DictSetStolen(asgi, PyStrings.SpecVersion, PyStrings.New(AsgiScope.SpecVersion));
        return asgi;
    }

    /// <summary>
    /// The scope's extensions: from its declared set directly (an empty dict per extension) unless the scope has
    /// its own dictionary or declares <c>tls</c>, whose values come from the .NET dictionary.
    /// </summary>
    private static nint Extensions(AsgiScope scope)
    {
        if (scope.ExtensionsIfMade is null && scope.Declared is var declared && declared?.Tls is null)
        {
            var extensions = CPython.NewDict();
            if (declared is not null)
            {
                AddEmpty(extensions, declared.PathSend, PyStrings.PathSendExtension);
                AddEmpty(extensions, declared.EarlyHint, PyStrings.EarlyHintExtension);
                AddEmpty(extensions, declared.Trailers, PyStrings.TrailersExtension);
            }

            return extensions;
        }

        return ValuesToPython.Convert(scope.Extensions);

        static void AddEmpty(nint extensions, bool declared, nint name)
        {
            if (declared)
            {
                CPython.DictSetStolen(extensions, name, CPython.NewDict());
            }
        }
    }

    /// <summary><c>[(name, value), ...]</c> read in place from the server's packed request headers.</summary>
    private static nint Headers(byte[] packed)
    {
        var count = PackedHeaders.Count(packed);
        var list = CPython.NewList(count);
        for (var i = 0; i < count; i++)
        {
            var (name, value) = PackedHeaders.Field(packed, count, i);
            CPython.ListSetStolen(list, i, Pair(name.Span, value.Span));
        }

        return list;
    }

    /// <summary><c>[(name, value), ...]</c>, both bytes, in wire order.</summary>
    public static nint Headers(IReadOnlyList<AsgiHeader> headers)
    {
        var list = CPython.NewList(headers.Count);
        for (var i = 0; i < headers.Count; i++)
        {
            CPython.ListSetStolen(list, i, Pair(headers[i].Name.Span, headers[i].Value.Span));
        }

        return list;
    }

    /// <summary>One header as <c>(name, value)</c>, both bytes.</summary>
    private static nint Pair(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var pair = CPython.NewTuple(2);
        CPython.TupleSetStolen(pair, 0, CPython.NewBytes(name));
        CPython.TupleSetStolen(pair, 1, CPython.NewBytes(value));
        return pair;
    }
}
