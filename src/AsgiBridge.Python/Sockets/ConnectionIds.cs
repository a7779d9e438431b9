namespace AsgiBridge.Python.Sockets;

/// <summary>Connection ids in Kestrel's form: 13 characters of base 32 from a process-wide counter.</summary>
internal static class ConnectionIds
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

    public static string Format(long id) => string.Create(13, id, static (span, value) =>
    {
        for (var i = span.Length - 1; i >= 0; i--)
        {
            span[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
    });
}
