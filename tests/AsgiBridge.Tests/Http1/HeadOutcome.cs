using System.Text;
using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary>
/// What <see cref="RequestHeadParser"/> made of a byte stream. Strings are Latin-1 so every byte maps to exactly one
/// char: comparing them compares the bytes.
/// </summary>
internal abstract record HeadOutcome
{
    /// <summary>The outcome reduced to what the client can observe: kind and status (the policy's guarantee).</summary>
    public abstract string Observable { get; }
}

/// <summary>The head parsed; <see cref="Consumed"/> counts every byte the parser consumed, leading CRLFs included.</summary>
internal sealed record CompleteHead(
    string Method,
    string Version,
    string RawPath,
    string Query,
    string? Authority,
    IReadOnlyList<(string Name, string Value)> Headers,
    BodyFraming Framing,
    long ContentLength,
    bool ConnectionClose,
    bool ConnectionKeepAlive,
    bool Expect100Continue,
    long Consumed) : HeadOutcome
{
    public override string Observable => ToString();

    public string? Header(string name)
    {
        foreach (var (n, v) in Headers)
        {
            if (n == name)
            {
                return v;
            }
        }

        return null;
    }

    public bool Equals(CompleteHead? other) =>
        other is not null
        && Method == other.Method
        && Version == other.Version
        && RawPath == other.RawPath
        && Query == other.Query
        && Authority == other.Authority
        && Headers.SequenceEqual(other.Headers)
        && Framing == other.Framing
        && ContentLength == other.ContentLength
        && ConnectionClose == other.ConnectionClose
        && ConnectionKeepAlive == other.ConnectionKeepAlive
        && Expect100Continue == other.Expect100Continue
        && Consumed == other.Consumed;

    public override int GetHashCode() => HashCode.Combine(Method, RawPath, Query, Headers.Count, Framing, ContentLength, Consumed);

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("Complete ").Append(Method).Append(' ').Append(Escape(RawPath));
        text.Append(" ?").Append(Escape(Query)).Append(" HTTP/").Append(Version);
        text.Append(" authority=").Append(Authority is null ? "-" : Escape(Authority));
        foreach (var (name, value) in Headers)
        {
            text.Append(" [").Append(Escape(name)).Append(": ").Append(Escape(value)).Append(']');
        }

        text.Append(" framing=").Append(Framing).Append(" cl=").Append(ContentLength);
        text.Append(" close=").Append(ConnectionClose).Append(" keepalive=").Append(ConnectionKeepAlive);
        text.Append(" expect100=").Append(Expect100Continue).Append(" consumed=").Append(Consumed);
        return text.ToString();
    }

    internal static CompleteHead From(RequestHead head, long consumed)
    {
        var arena = head.Arena.Span;
        var headers = new List<(string, string)>(head.Fields.Count);
        foreach (var field in head.Fields)
        {
            headers.Add((Latin1(arena.Slice(field.NameStart, field.NameLength)), Latin1(arena.Slice(field.ValueStart, field.ValueLength))));
        }

        return new CompleteHead(
            head.Method,
            head.IsHttp10 ? "1.0" : "1.1",
            Latin1(arena.Slice(head.RawPathStart, head.RawPathLength)),
            Latin1(arena.Slice(head.QueryStart, head.QueryLength)),
            head.AuthorityStart < 0 ? null : Latin1(arena.Slice(head.AuthorityStart, head.AuthorityLength)),
            headers,
            head.Framing,
            head.ContentLength,
            head.ConnectionClose,
            head.ConnectionKeepAlive,
            head.Expect100Continue,
            consumed);
    }

    internal static string Escape(string latin1)
    {
        var text = new StringBuilder(latin1.Length);
        foreach (var c in latin1)
        {
            if (c is >= ' ' and <= '~' and not '\\')
            {
                text.Append(c);
            }
            else
            {
                text.Append(c switch
                {
                    '\r' => "\\r",
                    '\n' => "\\n",
                    '\t' => "\\t",
                    '\\' => "\\\\",
                    _ => "\\x" + ((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture),
                });
            }
        }

        return text.ToString();
    }

    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}

/// <summary>The parser threw: the connection would answer <see cref="Status"/> and close.</summary>
internal sealed record RejectedHead(RequestRejection Reason, int Status) : HeadOutcome
{
    public override string Observable => "Rejected " + Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The stream ended before the head did; <see cref="Consumed"/> bytes (complete lines) were consumed.</summary>
internal sealed record IncompleteHead(long Consumed) : HeadOutcome
{
    public override string Observable => "Incomplete";
}
