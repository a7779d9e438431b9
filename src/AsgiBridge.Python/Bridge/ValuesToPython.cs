using System.Collections;
using AsgiBridge.Python.Interop;

namespace AsgiBridge.Python.Bridge;

/// <summary>
/// Any .NET value of the contract's type mapping (docs/contract.md, "ASGI types in .NET") as a new Python reference:
/// the reverse of that table. Loop thread, GIL held.
/// </summary>
internal static class ValuesToPython
{
    public static nint Convert(object? value) => value switch
    {
        null => CPython.NewNone(),
        string text => PyStrings.New(text),
        bool flag => CPython.NewBool(flag),
        int number => CPython.NewInt(number),
        long number => CPython.NewInt(number),
        short number => CPython.NewInt(number),
        ReadOnlyMemory<byte> bytes => CPython.NewBytes(bytes.Span),
        Memory<byte> bytes => CPython.NewBytes(bytes.Span),
        byte[] bytes => CPython.NewBytes(bytes),
        AsgiEndpoint endpoint => Endpoint(endpoint),
        IReadOnlyList<AsgiHeader> headers => ScopeToPython.Headers(headers),
        IDictionary<string, object?> dictionary => Dict(dictionary),
        IEnumerable items => List(items),
        _ => CPython.NewString(value.ToString() ?? ""),
    };

    /// <summary><c>(host, port)</c>, <c>(path, None)</c> on a unix socket, or None.</summary>
    public static nint Endpoint(AsgiEndpoint? endpoint)
    {
        if (endpoint is null)
        {
            return CPython.NewNone();
        }

        var pair = CPython.NewTuple(2);
        CPython.TupleSetStolen(pair, 0, CPython.NewString(endpoint.Host));
        CPython.TupleSetStolen(pair, 1, endpoint.Port is { } port ? CPython.NewInt(port) : CPython.NewNone());
        return pair;
    }

    private static nint Dict(IDictionary<string, object?> dictionary)
    {
        var dict = CPython.NewDict();
        foreach (var (key, item) in dictionary)
        {
            var pyKey = PyStrings.New(key);
            CPython.DictSetStolen(dict, pyKey, Convert(item));
            CPython.DecRef(pyKey);
        }

        return dict;
    }

    private static nint List(IEnumerable items)
    {
        var values = new List<nint>();
        foreach (var item in items)
        {
            values.Add(Convert(item));
        }

        var list = CPython.NewList(values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            CPython.ListSetStolen(list, i, values[i]);
        }

        return list;
    }
}
