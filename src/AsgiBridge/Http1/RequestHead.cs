namespace AsgiBridge.Http1;

/// <summary>
/// The request line and header fields of the request being parsed, kept across reads so the parser can resume
/// where the last complete line ended. One instance per connection, reset for every request.
/// </summary>
internal sealed class RequestHead : IDisposable
{
    public readonly record struct Field(int NameStart, int NameLength, int ValueStart, int ValueLength);

    public ByteArena Arena { get; } = new();

    public List<Field> Fields { get; } = new(16);

    /// <summary>Scratch for lines that span buffer segments (a field so it can be passed by reference).</summary>
#pragma warning disable CA1051 // internal type: a field is needed for ref passing
    public byte[] LineScratch = [];
#pragma warning restore CA1051

    public bool RequestLineDone { get; set; }

    public int HeaderBytes { get; set; }

    public string Method { get; set; } = "";

    public bool IsHttp10 { get; set; }

    public int RawPathStart { get; set; }

    public int RawPathLength { get; set; }

    public int QueryStart { get; set; }

    public int QueryLength { get; set; }

    /// <summary>Authority of an absolute-form target; -1 when the target is not absolute-form.</summary>
    public int AuthorityStart { get; set; } = -1;

    public int AuthorityLength { get; set; }

    public int HostCount { get; set; }

    public int HostFieldIndex { get; set; } = -1;

    public int ContentLengthCount { get; set; }

    public long ContentLength { get; set; } = -1;

    public bool HasTransferEncoding { get; set; }

    public int ChunkedCount { get; set; }

    public bool OtherCoding { get; set; }

    public bool LastCodingChunked { get; set; }

    public bool InvalidCoding { get; set; }

    public bool ConnectionClose { get; set; }

    public bool ConnectionKeepAlive { get; set; }

    public bool ConnectionUpgrade { get; set; }

    public bool Expect100Continue { get; set; }

    public bool UpgradeWebSocket { get; set; }

    /// <summary>A <c>TE</c> field lists <c>trailers</c>: the client accepts trailer fields (RFC 9110 §10.1.4).</summary>
    public bool AcceptsTrailers { get; set; }

    public BodyFraming Framing { get; set; }

    public void Reset()
    {
        Arena.Reset();
        Fields.Clear();
        RequestLineDone = false;
        HeaderBytes = 0;
        Method = "";
        IsHttp10 = false;
        RawPathStart = RawPathLength = QueryStart = QueryLength = 0;
        AuthorityStart = -1;
        AuthorityLength = 0;
        HostCount = 0;
        HostFieldIndex = -1;
        ContentLengthCount = 0;
        ContentLength = -1;
        HasTransferEncoding = false;
        ChunkedCount = 0;
        OtherCoding = LastCodingChunked = InvalidCoding = false;
        ConnectionClose = ConnectionKeepAlive = ConnectionUpgrade = false;
        Expect100Continue = UpgradeWebSocket = AcceptsTrailers = false;
        Framing = BodyFraming.None;
    }

    public void Dispose() => Arena.Dispose();
}
