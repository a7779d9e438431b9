using System.Globalization;
using System.Text;

namespace AsgiBridge.Infrastructure;

/// <summary>
/// The <c>date: ...\r\n</c> header line (RFC 9110 §6.6.1, IMF-fixdate), formatted once a second by a timer
/// rather than per response, as Kestrel does.
/// </summary>
internal static class DateHeader
{
    private static byte[] s_line = Format(DateTimeOffset.UtcNow);
    private static readonly Timer s_timer = new(static _ => s_line = Format(DateTimeOffset.UtcNow), null, 1000, 1000);

    /// <summary>The current line, CRLF included.</summary>
    public static ReadOnlySpan<byte> Line
    {
        get
        {
            GC.KeepAlive(s_timer);
            return Volatile.Read(ref s_line);
        }
    }

    private static byte[] Format(DateTimeOffset now) =>
        Encoding.ASCII.GetBytes("date: " + now.ToString("r", CultureInfo.InvariantCulture) + "\r\n");
}
