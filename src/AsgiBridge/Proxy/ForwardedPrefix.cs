using System.Buffers;
using AsgiBridge.Http1;

namespace AsgiBridge.Proxy;

/// <summary>
/// <c>X-Forwarded-Prefix</c>: the path a proxy removed in front of the request's, restored into <c>root_path</c> and
/// <c>path</c> (docs/proxies.md). Accepted only as an absolute path (RFC 3986 §3.3 path-absolute: "/" followed by
/// segments of pchar) without dot segments (§5.2.4: <c>..</c> would climb out of the mount) and without empty
/// segments (<c>//evil.example</c> joined into a URL is a network-path reference, §4.2); percent-escapes may not
/// hide a CTL, a slash or a backslash. One trailing slash is dropped, so <c>/api/</c> is <c>/api</c>.
/// </summary>
internal static class ForwardedPrefix
{
    /// <summary>pchar bytes besides pct-encoded (unreserved, sub-delims, ":", "@"), "%" and the segment separator.</summary>
    private static readonly SearchValues<byte> s_pathChar =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@%/"u8);

    /// <summary>The prefix to apply (empty for <c>/</c>), or false when the value is not an acceptable prefix.</summary>
    public static bool TryNormalize(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> prefix)
    {
        prefix = default;
        if (value.IsEmpty || value[0] != (byte)'/' || value.ContainsAnyExcept(s_pathChar))
        {
            return false;
        }

        if (value[^1] == (byte)'/')
        {
            value = value[..^1];
        }

        foreach (var range in value.Split((byte)'/'))
        {
            // The first "segment" is the empty text before the leading slash.
            if (range.Start.Value != 0 && !IsValidSegment(value[range]))
            {
                return false;
            }
        }

        prefix = value;
        return true;
    }

    private static bool IsValidSegment(ReadOnlySpan<byte> segment)
    {
        var length = 0;
        var dots = 0;
        for (var i = 0; i < segment.Length; i++)
        {
            var b = segment[i];
            if (b == (byte)'%')
            {
                if (i + 2 >= segment.Length || !HttpCharacters.HexDigit.Contains(segment[i + 1]) || !HttpCharacters.HexDigit.Contains(segment[i + 2]))
                {
                    return false;
                }

                b = (byte)((HexValue(segment[i + 1]) << 4) | HexValue(segment[i + 2]));
                i += 2;
                if (b < 0x20 || b is 0x7F or (byte)'/' or (byte)'\\')
                {
                    return false;
                }
            }

            length++;
            dots += b == (byte)'.' ? 1 : 0;
        }

        return length > 0 && !(dots == length && length <= 2);
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        _ => b - 'A' + 10,
    };
}
