using AsgiBridge.Python.Interop;

namespace AsgiBridge.Python.Bridge;

/// <summary>
/// A dict the app passed to <c>send</c>, as the .NET event the server's <c>send</c> takes. <c>http.response.body</c>
/// and a well-formed <c>http.response.start</c> become typed events directly; anything else becomes a plain
/// dictionary of the contract's types, so the server checks it and raises with its own message (docs/contract.md,
/// "Events"). Bytes are copied out of Python: the server may write them after <c>send</c> has returned a future.
/// Loop thread, GIL held.
/// </summary>
internal static class EventsFromPython
{
    public static IDictionary<string, object?> Convert(nint message, string scopeType)
    {
        if (!PyObjects.HasFlag(message, PyObjects.DictSubclass))
        {
            throw new AsgiProtocolException($"send() takes a dict with a 'type' key, not {TypeName(message)} (in a '{scopeType}' scope).");
        }

        var type = CPython.DictGet(message, PyStrings.Type);
        if (type != 0 && CPython.TryGetUtf8(type, out var name))
        {
            if (name.SequenceEqual("http.response.body"u8) && TryBody(message) is { } body)
            {
                return body;
            }

            if (name.SequenceEqual("http.response.start"u8) && TryStart(message) is { } start)
            {
                return start;
            }
        }

        return Dict(message);
    }

    private static HttpResponseBodyEvent? TryBody(nint message)
    {
        var body = CPython.DictGet(message, PyStrings.Body);
        byte[] bytes;
        if (body == 0 || body == CPython.None)
        {
            bytes = [];
        }
        else if (TryBytes(body) is { } copied)
        {
            bytes = copied;
        }
        else
        {
            return null;
        }

        var more = CPython.DictGet(message, PyStrings.MoreBody);
        return new HttpResponseBodyEvent(bytes, more != 0 && CPython.IsTrue(more));
    }

    private static HttpResponseStartEvent? TryStart(nint message)
    {
        var status = CPython.DictGet(message, PyStrings.Status);
        if (status == 0 || PyObjects.HasFlag(status, PyObjects.LongSubclass) is false || status == CPython.True || status == CPython.False
            || !CPython.TryGetLong(status, out var code) || code is < int.MinValue or > int.MaxValue)
        {
            return null;
        }

        // "trailers": True (http.response.trailers extension) announces trailer events; any other value than a
        // real bool is left to the generic path, which reports it.
        var trailers = CPython.DictGet(message, PyStrings.Trailers);
        if (trailers != 0 && trailers != CPython.True && trailers != CPython.False)
        {
            return null;
        }

        var announced = trailers == CPython.True;
        var headers = CPython.DictGet(message, PyStrings.Headers);
        if (headers == 0 || headers == CPython.None)
        {
            return new HttpResponseStartEvent((int)code) { Trailers = announced };
        }

        var list = TryHeaders(headers);
        return list is null ? null : new HttpResponseStartEvent((int)code, list) { Trailers = announced };
    }

    /// <summary>Any iterable of 2-item tuples or lists of bytes-like objects; null when it is anything else.</summary>
    private static List<AsgiHeader>? TryHeaders(nint headers)
    {
        if (!PyObjects.HasFlag(headers, PyObjects.ListSubclass | PyObjects.TupleSubclass))
        {
            return null; // a dict, a generator...: the generic path decides
        }

        if (PyObjects.TryExactSequence(headers, out var items))
        {
            var pairs = new List<AsgiHeader>(items.Length);
            foreach (var item in items)
            {
                if (TryPair(item) is not { } pair)
                {
                    return null;
                }

                pairs.Add(pair);
            }

            return pairs;
        }

        var iterator = CPython.GetIter(headers);
        if (iterator == 0)
        {
            CPython.ClearError();
            return null;
        }

        var list = new List<AsgiHeader>();
        try
        {
            nint item;
            while ((item = CPython.IterNext(iterator)) != 0)
            {
                var pair = TryPair(item);
                CPython.DecRef(item);
                if (pair is null)
                {
                    return null;
                }

                list.Add(pair.Value);
            }

            if (CPython.ErrorOccurred)
            {
                CPython.ClearError();
                return null;
            }

            return list;
        }
        finally
        {
            CPython.DecRef(iterator);
        }
    }

    private static AsgiHeader? TryPair(nint item)
    {
        if (PyObjects.TryExactSequence(item, out var two))
        {
            return two.Length == 2 && TryHeaderPart(two[0]) is { } name && TryHeaderPart(two[1]) is { } value ? Header(name, value) : null;
        }

        if (!PyObjects.HasFlag(item, PyObjects.ListSubclass | PyObjects.TupleSubclass))
        {
            return null;
        }

        var iterator = CPython.GetIter(item);
        if (iterator == 0)
        {
            CPython.ClearError();
            return null;
        }

        try
        {
            var first = CPython.IterNext(iterator);
            var second = first == 0 ? 0 : CPython.IterNext(iterator);
            var third = second == 0 ? 0 : CPython.IterNext(iterator);
            var name = first == 0 ? null : TryHeaderPart(first);
            var value = second == 0 ? null : TryHeaderPart(second);
            CPython.DecRef(first);
            CPython.DecRef(second);
            CPython.DecRef(third);
            if (CPython.ErrorOccurred)
            {
                CPython.ClearError();
                return null;
            }

            return name is null || value is null || third != 0 ? null : Header(name, value);
        }
        finally
        {
            CPython.DecRef(iterator);
        }
    }

    /// <summary>A header name or value: a <c>bytes</c> object (or a subclass of it), copied.</summary>
    private static byte[]? TryHeaderPart(nint o) =>
        PyObjects.TryExactBytes(o, out var data) ? data.ToArray() : PyObjects.HasFlag(o, PyObjects.BytesSubclass) ? TryBytes(o) : null;

    private static AsgiHeader Header(byte[] name, byte[] value)
    {
        // ASGI: header names must be lowercased. uvicorn lowercases a name an app sends otherwise, and so does the
        // bridge, so both servers write the same bytes (a name that is not ASCII is refused later anyway).
        System.Text.Ascii.ToLowerInPlace(name, out _);
        return new AsgiHeader(name, value);
    }

    private static byte[]? TryBytes(nint o)
    {
        if (PyObjects.TryExactBytes(o, out var data))
        {
            return data.ToArray();
        }

        if (PyObjects.HasFlag(o, PyObjects.UnicodeSubclass) || !PyObjects.TryGetBuffer(o, out var view))
        {
            return null;
        }

        try
        {
            return view.Span.ToArray();
        }
        finally
        {
            PyObjects.ReleaseBuffer(ref view);
        }
    }

    private static Dictionary<string, object?> Dict(nint dict)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        nint position = 0;
        while (CPython.DictNext(dict, ref position, out var key, out var value))
        {
            if (CPython.ToStringOrNull(key) is { } name)
            {
                result[name] = Value(value);
            }
        }

        return result;
    }

    private static object? Value(nint o)
    {
        if (o == CPython.None)
        {
            return null;
        }

        if (o == CPython.True || o == CPython.False)
        {
            return o == CPython.True;
        }

        if (PyObjects.HasFlag(o, PyObjects.LongSubclass))
        {
            return CPython.TryGetLong(o, out var number) ? number is >= int.MinValue and <= int.MaxValue ? (int)number : number : new UnsupportedValue("int too large");
        }

        if (PyObjects.HasFlag(o, PyObjects.UnicodeSubclass))
        {
            return (object?)CPython.ToStringOrNull(o) ?? new UnsupportedValue("str with lone surrogates");
        }

        if (PyObjects.HasFlag(o, PyObjects.DictSubclass))
        {
            return Dict(o);
        }

        if (PyObjects.HasFlag(o, PyObjects.ListSubclass | PyObjects.TupleSubclass))
        {
            var items = new List<object?>();
            var iterator = CPython.GetIter(o);
            nint item;
            while ((item = CPython.IterNext(iterator)) != 0)
            {
                items.Add(Value(item));
                CPython.DecRef(item);
            }

            CPython.DecRef(iterator);
            return items.ToArray();
        }

        return TryBytes(o) ?? (object)new UnsupportedValue(TypeName(o));
    }

    /// <summary><c>type(o).__name__</c>: <c>tp_name</c> follows the type object's 24-byte <c>PyVarObject</c> header.</summary>
    private static unsafe string TypeName(nint o) =>
        System.Runtime.InteropServices.Marshal.PtrToStringUTF8(*(nint*)(PyObjects.TypeOf(o) + (3 * sizeof(nint)))) ?? "?";

    /// <summary>A Python value with no place in the contract: the server's checks name its type if a known key holds it.</summary>
    private sealed record UnsupportedValue(string PythonType)
    {
        public override string ToString() => $"Python {PythonType}";
    }
}
