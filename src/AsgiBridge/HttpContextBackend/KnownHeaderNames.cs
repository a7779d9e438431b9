using System.Collections.Frozen;
using System.Text;
using Microsoft.Net.Http.Headers;

namespace AsgiBridge.HttpContextBackend;

/// <summary>
/// The header names ASP.NET Core knows (<see cref="HeaderNames"/>), each made once in both forms the HttpContext
/// backend converts between on every request: the lower-case bytes a scope's <c>headers</c> carry, and the string
/// ASP.NET Core's header dictionaries take. A name outside the table is converted as it comes.
/// </summary>
internal static class KnownHeaderNames
{
    private static readonly FrozenDictionary<string, byte[]> s_bytesByName = typeof(HeaderNames)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(string))
        .Select(f => (string)f.GetValue(null)!)
        .Where(name => name.Length > 0 && name[0] != ':')
        .Distinct(StringComparer.OrdinalIgnoreCase)
        .ToFrozenDictionary(name => name, name => Encoding.Latin1.GetBytes(name.ToLowerInvariant()), StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> s_stringByLowerName = s_bytesByName
        .ToFrozenDictionary(pair => Encoding.Latin1.GetString(pair.Value), pair => pair.Key, StringComparer.OrdinalIgnoreCase)
        .GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The lower-case bytes of a request header name.</summary>
    public static byte[] LowerCaseBytes(string name) =>
        s_bytesByName.TryGetValue(name, out var bytes) ? bytes : Encoding.Latin1.GetBytes(name.ToLowerInvariant());

    /// <summary>The string for a response header name an application sent as bytes (ASP.NET Core's own instance when it knows the name).</summary>
    public static string String(ReadOnlySpan<byte> name)
    {
        if (name.Length <= 64)
        {
            Span<char> chars = stackalloc char[name.Length];
            var count = Encoding.Latin1.GetChars(name, chars);
            if (s_stringByLowerName.TryGetValue(chars[..count], out var known))
            {
                return known;
            }
        }

        return Encoding.Latin1.GetString(name);
    }
}
