using System.Buffers;
using System.Text;

namespace AsgiBridge.Http1;

/// <summary>
/// Turns <c>raw_path</c> into the ASGI <c>path</c>: percent-decoded, then UTF-8 decoded with invalid sequences
/// replaced (what uvicorn's <c>urllib.parse.unquote</c> does). Malformed escapes are kept as they are.
/// </summary>
internal static class PathDecoder
{
    public static string Decode(ReadOnlySpan<byte> raw)
    {
        if (raw.Length == 1 && raw[0] == (byte)'/')
        {
            return "/";
        }

        if (!raw.Contains((byte)'%'))
        {
            return Encoding.ASCII.GetString(raw);
        }

        var rented = ArrayPool<byte>.Shared.Rent(raw.Length);
        try
        {
            var length = 0;
            for (var i = 0; i < raw.Length; i++)
            {
                if (raw[i] == (byte)'%' && i + 2 < raw.Length && IsHex(raw[i + 1]) && IsHex(raw[i + 2]))
                {
                    rented[length++] = (byte)((HexValue(raw[i + 1]) << 4) | HexValue(raw[i + 2]));
                    i += 2;
                }
                else
                {
                    rented[length++] = raw[i];
                }
            }

            return Encoding.UTF8.GetString(rented, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool IsHex(byte b) => HttpCharacters.HexDigit.Contains(b);

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        _ => b - 'A' + 10,
    };
}
