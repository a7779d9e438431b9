using System.Collections;
using System.Text;

namespace AsgiBridge;

/// <summary>
/// Converts dictionary values sent by an application into the typed values the server uses, accepting the
/// natural .NET spellings of each ASGI type, and names the event and key when a value does not fit.
/// </summary>
internal static class AsgiValues
{
    public static ReadOnlyMemory<byte> ToBytes(object? value, string eventType, string key) => value switch
    {
        null => ReadOnlyMemory<byte>.Empty,
        ReadOnlyMemory<byte> memory => memory,
        byte[] array => array,
        Memory<byte> memory => memory,
        ArraySegment<byte> segment => segment,
        _ => throw Mismatch(eventType, key, "bytes (byte[] or ReadOnlyMemory<byte>)", value),
    };

    public static bool ToBool(object? value, string eventType, string key) => value switch
    {
        null => false,
        bool flag => flag,
        _ => throw Mismatch(eventType, key, "bool", value),
    };

    public static int ToInt(object? value, string eventType, string key) => value switch
    {
        int number => number,
        long number when number is >= int.MinValue and <= int.MaxValue => (int)number,
        short number => number,
        _ => throw Mismatch(eventType, key, "int", value),
    };

    public static string? ToNullableString(object? value, string eventType, string key) => value switch
    {
        null => null,
        string text => text,
        _ => throw Mismatch(eventType, key, "string", value),
    };

    /// <summary>
    /// Accepts headers as <see cref="AsgiHeader"/>s, byte-array or string pairs (tuples or key/value pairs) or
    /// two-element lists, the shapes a port of Python code naturally produces.
    /// </summary>
    public static IReadOnlyList<AsgiHeader> ToHeaders(object? value, string eventType, string key)
    {
        switch (value)
        {
            case null:
                return [];
            case IReadOnlyList<AsgiHeader> list:
                return list;
            case IEnumerable<AsgiHeader> sequence:
                return [.. sequence];
            case string:
                throw Mismatch(eventType, key, "a list of [name, value] pairs", value);
            case IEnumerable sequence:
                var headers = new List<AsgiHeader>();
                foreach (var item in sequence)
                {
                    headers.Add(ToHeader(item, eventType, key));
                }

                return headers;
            default:
                throw Mismatch(eventType, key, "a list of [name, value] pairs", value);
        }
    }

    private static AsgiHeader ToHeader(object? item, string eventType, string key) => item switch
    {
        AsgiHeader header => header,
        ValueTuple<byte[], byte[]> pair => new AsgiHeader(pair.Item1, pair.Item2),
        ValueTuple<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> pair => new AsgiHeader(pair.Item1, pair.Item2),
        ValueTuple<string, string> pair => new AsgiHeader(pair.Item1, pair.Item2),
        KeyValuePair<string, string> pair => new AsgiHeader(pair.Key, pair.Value),
        KeyValuePair<byte[], byte[]> pair => new AsgiHeader(pair.Key, pair.Value),
        IList { Count: 2 } list => new AsgiHeader(ToHeaderPart(list[0], eventType, key), ToHeaderPart(list[1], eventType, key)),
        _ => throw Mismatch(eventType, key, "a list of [name, value] pairs", item),
    };

    private static ReadOnlyMemory<byte> ToHeaderPart(object? part, string eventType, string key) => part switch
    {
        string text => Encoding.Latin1.GetBytes(text),
        _ => ToBytes(part, eventType, key),
    };

    private static AsgiProtocolException Mismatch(string eventType, string key, string expected, object? actual) =>
        new($"'{eventType}' event: key '{key}' must be {expected}, not {actual?.GetType().Name ?? "null"}.");
}
