using System.Globalization;
using System.Text;

namespace AsgiBridge.Tests.Fuzz;

/// <summary>
/// Deterministic mutations of a request's bytes, aimed at what an HTTP/1.1 parser must judge: byte flips, CR,
/// LF, NUL, DEL and high bytes, truncation, a duplicated range, an injected framing or Host line, obs-fold, a
/// space before the colon, broken line endings, whitespace or extensions at line ends, request-line parts
/// swapped for odd ones, and a second request appended. Each returns a short description for the report.
/// </summary>
internal static class RequestMutator
{
    private const byte CR = (byte)'\r';
    private const byte LF = (byte)'\n';

    private static readonly byte[] s_specialBytes =
        [CR, LF, 0x00, 0x7F, 0x80, 0xC3, 0xFF, (byte)' ', (byte)'\t', (byte)':', (byte)';', (byte)'"', (byte)',', (byte)'\\', (byte)'%', 0x0B, 0x0C, 0x01];

    private static readonly string[] s_injectedLines =
    [
        "Content-Length: 0", "Content-Length: 5", "Content-Length: 100000", "Content-Length: 1, 1", "Content-Length: +3",
        "Content-Length: 99999999999999999999", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip, chunked",
        "Transfer-Encoding: chunked, chunked", "Transfer-Encoding: identity", "Transfer-Encoding: chunked;q=1",
        "Host: b", "Host: a b", "Host: [::1", "Expect: 100-continue", "Connection: close", "Connection: keep-alive",
        "Connection: upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 12", "Trailer: X-Sum",
        "X-Long: " + new string('l', FuzzHostSettings.MaxRequestHeadersSize / 2),
    ];

    private static readonly string[] s_lineEndInserts = [" ", "\t", ";a", ";a=1 ", ";a=\"b\"", ";a=\"b", "\0", "x", ",", " 0", "\r", "\x7f"];

    private static readonly string[] s_methods = ["GET", "HEAD", "POST", "CONNECT", "OPTIONS", "PRI", "G@T", "get", "M-SEARCH", "", "GET\t"];

    private static readonly string[] s_targets =
        ["*", "a:80", "http://u@h/", "http://h", "//x", "/%zz", "/a\\b\"", "/?#", "https://h/p", "/\u00e9", "/" + new string('x', FuzzHostSettings.MaxRequestLineSize)];

    private static readonly string[] s_versions =
        ["HTTP/1.0", "HTTP/1.1", "HTTP/2.0", "HTTP/0.9", "HTTP/1.10", "http/1.1", "HTTP/1.1 ", "HTTP/1", "HTTP/3.0", "RTSP/1.0", ""];

    /// <summary>Applies <paramref name="count"/> mutations to a copy of <paramref name="seed"/>.</summary>
    public static byte[] Mutate(byte[] seed, FuzzRandom random, int count, List<string> applied)
    {
        var bytes = new List<byte>(seed);
        for (var i = 0; i < count; i++)
        {
            applied.Add(Apply(bytes, random));
        }

        return [.. bytes];
    }

    private static string Apply(List<byte> bytes, FuzzRandom random) => random.Next(16) switch
    {
        0 => FlipBit(bytes, random),
        1 => SetByte(bytes, random),
        2 or 3 => InsertSpecialByte(bytes, random),
        4 => DeleteRange(bytes, random),
        5 => Truncate(bytes, random),
        6 => DuplicateRange(bytes, random),
        7 or 8 => InjectHeaderLine(bytes, random),
        9 => ObsFold(bytes, random),
        10 => WhitespaceBeforeColon(bytes, random),
        11 => BreakLineEnding(bytes, random),
        12 or 13 => InsertAtLineEnd(bytes, random),
        14 => ReplaceRequestLinePart(bytes, random),
        _ => AppendSeed(bytes, random),
    };

    private static string FlipBit(List<byte> bytes, FuzzRandom random)
    {
        if (bytes.Count == 0)
        {
            return "flip: empty";
        }

        var at = random.Next(bytes.Count);
        var bit = random.Next(8);
        bytes[at] ^= (byte)(1 << bit);
        return $"flip bit {bit} at {at}";
    }

    private static string SetByte(List<byte> bytes, FuzzRandom random)
    {
        if (bytes.Count == 0)
        {
            return "set: empty";
        }

        var at = random.Next(bytes.Count);
        var value = (byte)random.Next(256);
        bytes[at] = value;
        return $"set 0x{value:X2} at {at}";
    }

    private static string InsertSpecialByte(List<byte> bytes, FuzzRandom random)
    {
        var at = random.Next(bytes.Count + 1);
        var value = random.Pick(s_specialBytes);
        bytes.Insert(at, value);
        return $"insert 0x{value:X2} at {at}";
    }

    private static string DeleteRange(List<byte> bytes, FuzzRandom random)
    {
        var at = random.Next(bytes.Count);
        var length = Math.Min(random.Next(1, 9), bytes.Count - at);
        bytes.RemoveRange(at, length);
        return $"delete {length} at {at}";
    }

    private static string Truncate(List<byte> bytes, FuzzRandom random)
    {
        var at = random.Next(bytes.Count);
        bytes.RemoveRange(at, bytes.Count - at);
        return $"truncate at {at}";
    }

    private static string DuplicateRange(List<byte> bytes, FuzzRandom random)
    {
        var start = random.Next(bytes.Count);
        var length = Math.Min(random.OneIn(4) ? random.Next(1, 600) : random.Next(1, 24), bytes.Count - start);
        var range = bytes.GetRange(start, length);
        var times = random.OneIn(8) ? random.Next(2, 40) : 1;
        for (var i = 0; i < times; i++)
        {
            bytes.InsertRange(start + length, range);
        }

        return $"duplicate [{start},{start + length}) x{times}";
    }

    private static string InjectHeaderLine(List<byte> bytes, FuzzRandom random)
    {
        var line = random.Pick(s_injectedLines);
        var at = RandomHeadLineStart(bytes, random);
        bytes.InsertRange(at, Encoding.Latin1.GetBytes(line + "\r\n"));
        return $"inject \"{Shorten(line)}\" at {at}";
    }

    private static string ObsFold(List<byte> bytes, FuzzRandom random)
    {
        var at = RandomHeadLineStart(bytes, random);
        var fold = random.OneIn(2) ? " folded\r\n" : "\tContent-Length: 3\r\n";
        bytes.InsertRange(at, Encoding.Latin1.GetBytes(fold));
        return $"obs-fold \"{FuzzCase.Escape(Encoding.Latin1.GetBytes(fold))}\" at {at}";
    }

    private static string WhitespaceBeforeColon(List<byte> bytes, FuzzRandom random)
    {
        var head = HeadLength(bytes);
        var colons = new List<int>();
        for (var i = 0; i < head; i++)
        {
            if (bytes[i] == (byte)':' && i > 0 && LineStartOf(bytes, i) > 0)
            {
                colons.Add(i);
            }
        }

        if (colons.Count == 0)
        {
            return "space before colon: no header";
        }

        var at = random.Pick(colons);
        var space = random.OneIn(2) ? (byte)' ' : (byte)'\t';
        bytes.Insert(at, space);
        return $"insert 0x{space:X2} before the colon at {at}";
    }

    private static string BreakLineEnding(List<byte> bytes, FuzzRandom random)
    {
        var ends = LineEnds(bytes, bytes.Count);
        if (ends.Count == 0)
        {
            return "line ending: none";
        }

        var at = random.Pick(ends);
        switch (random.Next(4))
        {
            case 0:
                bytes.RemoveAt(at);
                return $"CRLF -> LF at {at}";
            case 1:
                bytes.RemoveAt(at + 1);
                return $"CRLF -> CR at {at}";
            case 2:
                bytes.Insert(at, CR);
                return $"CRLF -> CRCRLF at {at}";
            default:
                bytes.RemoveRange(at, 2);
                return $"CRLF removed at {at}";
        }
    }

    private static string InsertAtLineEnd(List<byte> bytes, FuzzRandom random)
    {
        var ends = LineEnds(bytes, bytes.Count);
        var at = ends.Count == 0 ? bytes.Count : random.Pick(ends);
        var text = random.Pick(s_lineEndInserts);
        bytes.InsertRange(at, Encoding.Latin1.GetBytes(text));
        return $"insert \"{FuzzCase.Escape(Encoding.Latin1.GetBytes(text))}\" before the line end at {at}";
    }

    private static string ReplaceRequestLinePart(List<byte> bytes, FuzzRandom random)
    {
        var start = 0;
        while (start + 1 < bytes.Count && bytes[start] == CR && bytes[start + 1] == LF)
        {
            start += 2;
        }

        var end = start;
        while (end < bytes.Count && bytes[end] != CR && bytes[end] != LF)
        {
            end++;
        }

        var parts = Encoding.Latin1.GetString([.. bytes.GetRange(start, end - start)]).Split(' ');
        if (parts.Length != 3)
        {
            return "request line: not three parts";
        }

        var part = random.Next(3);
        var replacement = random.Pick(part switch { 0 => s_methods, 1 => s_targets, _ => s_versions });
        parts[part] = replacement;
        bytes.RemoveRange(start, end - start);
        bytes.InsertRange(start, Encoding.Latin1.GetBytes(string.Join(' ', parts)));
        return $"request line part {part} = \"{Shorten(FuzzCase.Escape(Encoding.Latin1.GetBytes(replacement)))}\"";
    }

    private static string AppendSeed(List<byte> bytes, FuzzRandom random)
    {
        var seed = random.Pick(FuzzSeeds.All);
        bytes.AddRange(seed.Bytes);
        return $"append seed {seed.Name}";
    }

    /// <summary>A position right after a CRLF inside the head (after the request line or a field line).</summary>
    private static int RandomHeadLineStart(List<byte> bytes, FuzzRandom random)
    {
        var ends = LineEnds(bytes, HeadLength(bytes));
        return ends.Count == 0 ? bytes.Count : random.Pick(ends) + 2;
    }

    /// <summary>The length of the first head, up to its last field line's CRLF; all of the bytes when it is incomplete.</summary>
    private static int HeadLength(List<byte> bytes)
    {
        for (var i = 2; i + 3 < bytes.Count; i++)
        {
            if (bytes[i] == CR && bytes[i + 1] == LF && bytes[i + 2] == CR && bytes[i + 3] == LF)
            {
                return i + 2;
            }
        }

        return bytes.Count;
    }

    /// <summary>Positions of the CR of each CRLF before <paramref name="limit"/>.</summary>
    private static List<int> LineEnds(List<byte> bytes, int limit)
    {
        var ends = new List<int>();
        for (var i = 0; i + 1 < Math.Min(limit, bytes.Count); i++)
        {
            if (bytes[i] == CR && bytes[i + 1] == LF)
            {
                ends.Add(i);
            }
        }

        return ends;
    }

    private static int LineStartOf(List<byte> bytes, int index)
    {
        while (index > 0 && bytes[index - 1] != LF)
        {
            index--;
        }

        return index;
    }

    private static string Shorten(string text) =>
        text.Length <= 40 ? text : text[..32] + "...(" + text.Length.ToString(CultureInfo.InvariantCulture) + ")";
}
