using System.Globalization;
using System.Text;

namespace AsgiBridge.Bench.RefServers;

/// <summary>The Date header value (IMF-fixdate), formatted once a second so responses only copy 29 bytes.</summary>
internal static class HttpDate
{
    private static byte[] s_value = Format();

    // Kept in a field so the timer stays rooted for the life of the process.
    private static readonly Timer s_refresh = new(_ => Volatile.Write(ref s_value, Format()), null, 1000, 1000);

    /// <summary>Gets the current value, e.g. <c>Tue, 24 Nov 2026 20:51:39 GMT</c>.</summary>
    public static ReadOnlySpan<byte> Value => Volatile.Read(ref s_value);

    private static byte[] Format() => Encoding.ASCII.GetBytes(DateTime.UtcNow.ToString("r", CultureInfo.InvariantCulture));
}
