using System.Buffers.Binary;
using System.IO.Compression;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.WebSocket.Protocol;

/// <summary>The opcodes of RFC 6455 §5.2 (plus the reserved ones tests send on purpose).</summary>
public static class Op
{
    public const byte Continuation = 0x0;
    public const byte Text = 0x1;
    public const byte Binary = 0x2;
    public const byte Close = 0x8;
    public const byte Ping = 0x9;
    public const byte Pong = 0xA;
}

/// <summary>How a frame's payload length is written (RFC 6455 §5.2): the shortest form, or a forced 16/64-bit one.</summary>
public enum LengthEncoding
{
    Minimal,
    Bits16,
    Bits64,
}

/// <summary>How the TCP connection ended after the last frame read.</summary>
public enum ConnectionEnd
{
    /// <summary>Still open when the timeout passed.</summary>
    Open,

    /// <summary>A FIN: reads returned 0.</summary>
    Eof,

    /// <summary>A reset (ECONNRESET/EPIPE on read).</summary>
    Reset,
}

public sealed record WsFrame(bool Fin, int Rsv, byte Opcode, bool Masked, byte[] Payload)
{
    public override string ToString() => $"[fin={Fin} rsv={Rsv} op={Opcode} masked={Masked} len={Payload.Length}]";
}

/// <summary>A whole message (after reassembly and inflation), or a close frame when one arrived instead.</summary>
public sealed record WsMessage(byte Opcode, byte[] Data, bool Compressed)
{
    public string Text => Encoding.UTF8.GetString(Data);

    public override string ToString() => $"[op={Opcode} len={Data.Length} compressed={Compressed}]";
}

/// <summary>What a session's end looked like from the client: frames before the close, the close itself, and how TCP ended.</summary>
public sealed class CloseOutcome
{
    public List<WsFrame> FramesBeforeClose { get; } = [];

    public bool CloseReceived { get; set; }

    public byte[] ClosePayload { get; set; } = [];

    public int? Code => ClosePayload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(ClosePayload) : null;

    public string Reason => ClosePayload.Length > 2 ? Encoding.UTF8.GetString(ClosePayload.AsSpan(2)) : "";

    public ConnectionEnd End { get; set; }

    public TimeSpan Elapsed { get; set; }

    public override string ToString() =>
        $"close received={CloseReceived} code={Code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} reason='{Reason}' " +
        $"then TCP={End} after {Elapsed.TotalMilliseconds:F0} ms; frames before close: {string.Join(", ", FramesBeforeClose)}";
}

/// <summary>The permessage-deflate parameters the server answered with (RFC 7692 §7.1).</summary>
public sealed record DeflateParameters(bool ServerNoContextTakeover, bool ClientNoContextTakeover, int? ServerMaxWindowBits, int? ClientMaxWindowBits)
{
    public static DeflateParameters? Parse(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }

        var parts = header.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("permessage-deflate", parts[0]);
        bool snct = false, cnct = false;
        int? smwb = null, cmwb = null;
        foreach (var part in parts.Skip(1))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? part : part[..eq].Trim();
            var value = eq < 0 ? null : part[(eq + 1)..].Trim().Trim('"');
            switch (name)
            {
                case "server_no_context_takeover": snct = true; break;
                case "client_no_context_takeover": cnct = true; break;
                case "server_max_window_bits": smwb = int.Parse(value!, System.Globalization.CultureInfo.InvariantCulture); break;
                case "client_max_window_bits": cmwb = int.Parse(value!, System.Globalization.CultureInfo.InvariantCulture); break;
                default: Assert.Fail($"Unknown permessage-deflate parameter in the server's answer: {part}"); break;
            }
        }

        return new DeflateParameters(snct, cnct, smwb, cmwb);
    }
}

/// <summary>
/// A WebSocket client over a raw TCP socket that sends exactly the bytes a test asks for (any FIN/RSV/opcode, masked
/// or not, any length encoding, fragmented, chopped into small TCP writes) and reads the server's frames one by one,
/// inflating permessage-deflate messages (RFC 7692). Every read has a timeout: a test never hangs.
/// </summary>
public sealed class RawWebSocketClient : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eof;
    private bool _reset;
    private int _maskSeed = 1;
    private MessageInflater? _inflater;

    private RawWebSocketClient(Socket socket) => _socket = socket;

    public int Status { get; private set; }

    public IReadOnlyList<(string Name, string Value)> ResponseHeaders { get; private set; } = [];

    public DeflateParameters? Deflate { get; private set; }

    public List<byte[]> PongsReceived { get; } = [];

    public List<byte[]> PingsReceived { get; } = [];

    public string? Header(string name) => ResponseHeaders.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Connects and completes the opening handshake; asserts a well-formed 101 answer.</summary>
    public static async Task<RawWebSocketClient> ConnectAsync(TestServer server, string path = "/ws", string? extensions = null, params string[] subprotocols)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server.EndPoint);
        var client = new RawWebSocketClient(socket);
        try
        {
            await client.HandshakeAsync(server.Port, path, extensions, subprotocols);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        return client;
    }

    private async Task HandshakeAsync(int port, string path, string? extensions, string[] subprotocols)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request = new StringBuilder()
            .Append("GET ").Append(path).Append(" HTTP/1.1\r\n")
            .Append("Host: 127.0.0.1:").Append(port).Append("\r\n")
            .Append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
            .Append("Sec-WebSocket-Key: ").Append(key).Append("\r\n")
            .Append("Sec-WebSocket-Version: 13\r\n");
        if (extensions is not null)
        {
            request.Append("Sec-WebSocket-Extensions: ").Append(extensions).Append("\r\n");
        }

        if (subprotocols.Length > 0)
        {
            request.Append("Sec-WebSocket-Protocol: ").Append(string.Join(", ", subprotocols)).Append("\r\n");
        }

        request.Append("\r\n");
        await SendRawAsync(Encoding.ASCII.GetBytes(request.ToString()));

        using var cts = new CancellationTokenSource(DefaultTimeout);
        int headEnd;
        while ((headEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (!await ReadMoreAsync(cts.Token))
            {
                Assert.Fail($"The connection ended during the handshake: {Encoding.Latin1.GetString(_buffer, _start, _end - _start)}");
            }
        }

        var lines = Encoding.Latin1.GetString(_buffer, _start, headEnd).Split("\r\n");
        _start += headEnd + 4;
        Status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        ResponseHeaders = [.. lines.Skip(1).Select(l => (l[..l.IndexOf(':', StringComparison.Ordinal)].Trim(), l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()))];
        Assert.True(Status == 101, $"Expected 101, got: {string.Join(" | ", lines)}");
        Assert.Equal("websocket", Header("upgrade"), ignoreCase: true);
        Assert.Contains("upgrade", Header("connection") ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.Equal(ExpectedAccept(key), Header("sec-websocket-accept"));
        Deflate = DeflateParameters.Parse(Header("sec-websocket-extensions"));
        if (Deflate is not null)
        {
            _inflater = new MessageInflater(Deflate.ServerNoContextTakeover);
        }
    }

    public static string ExpectedAccept(string key) =>
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 here.
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350

    // ---------------------------------------------------------------- sending

    /// <summary>Builds one frame exactly as described. <paramref name="rsv"/> is the three RSV bits (4 = RSV1, 2 = RSV2, 1 = RSV3).</summary>
    public byte[] BuildFrame(byte opcode, ReadOnlySpan<byte> payload, bool fin = true, int rsv = 0, bool mask = true, LengthEncoding length = LengthEncoding.Minimal)
    {
        var header = new List<byte>(14) { (byte)((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0F)) };
        var maskBit = mask ? 0x80 : 0;
        if (length == LengthEncoding.Bits64 || (length == LengthEncoding.Minimal && payload.Length > 65535))
        {
            header.Add((byte)(maskBit | 127));
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(len, (ulong)payload.Length);
            header.AddRange(len);
        }
        else if (length == LengthEncoding.Bits16 || payload.Length > 125)
        {
            header.Add((byte)(maskBit | 126));
            Span<byte> len = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(len, (ushort)payload.Length);
            header.AddRange(len);
        }
        else
        {
            header.Add((byte)(maskBit | payload.Length));
        }

        var frame = new byte[header.Count + (mask ? 4 : 0) + payload.Length];
        header.CopyTo(frame);
        var offset = header.Count;
        if (mask)
        {
            // A deterministic, never-zero mask so that an unmasking bug cannot go unnoticed.
            var key = BitConverter.GetBytes(unchecked(0x5A3C9E17 * _maskSeed++) | 0x01010101);
            key.CopyTo(frame, offset);
            offset += 4;
            for (var i = 0; i < payload.Length; i++)
            {
                frame[offset + i] = (byte)(payload[i] ^ key[i & 3]);
            }
        }
        else
        {
            payload.CopyTo(frame.AsSpan(offset));
        }

        return frame;
    }

    public Task SendFrameAsync(byte opcode, ReadOnlySpan<byte> payload, bool fin = true, int rsv = 0, bool mask = true, LengthEncoding length = LengthEncoding.Minimal, int chop = 0) =>
        SendRawAsync(BuildFrame(opcode, payload, fin, rsv, mask, length), chop);

    public Task SendTextAsync(string text, int chop = 0) => SendFrameAsync(Op.Text, Encoding.UTF8.GetBytes(text), chop: chop);

    public Task SendBinaryAsync(byte[] data, int chop = 0) => SendFrameAsync(Op.Binary, data, chop: chop);

    /// <summary>A message split into frames of at most <paramref name="fragmentSize"/> bytes (at least one frame).</summary>
    public Task SendFragmentedAsync(byte opcode, byte[] data, int fragmentSize, int chop = 0)
    {
        var frames = new List<byte>();
        var offset = 0;
        do
        {
            var size = Math.Min(fragmentSize, data.Length - offset);
            var last = offset + size >= data.Length;
            frames.AddRange(BuildFrame(offset == 0 ? opcode : Op.Continuation, data.AsSpan(offset, size), fin: last));
            offset += size;
        }
        while (offset < data.Length);
        return SendRawAsync([.. frames], chop);
    }

    /// <summary>Sends a close frame: no payload when <paramref name="code"/> is null, else the code and the reason bytes.</summary>
    public Task SendCloseAsync(int? code = 1000, byte[]? reason = null)
    {
        if (code is null)
        {
            return SendFrameAsync(Op.Close, []);
        }

        var payload = new byte[2 + (reason?.Length ?? 0)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code.Value);
        reason?.CopyTo(payload, 2);
        return SendFrameAsync(Op.Close, payload);
    }

    /// <summary>Sends a permessage-deflate message (RSV1 on the first frame), optionally fragmented after compression.</summary>
    public Task SendCompressedAsync(byte opcode, byte[] data, int fragmentSize = int.MaxValue)
    {
        var compressed = Compress(data);
        var frames = new List<byte>();
        var offset = 0;
        do
        {
            var size = Math.Min(fragmentSize, compressed.Length - offset);
            var last = offset + size >= compressed.Length;
            frames.AddRange(BuildFrame(offset == 0 ? opcode : Op.Continuation, compressed.AsSpan(offset, size), fin: last, rsv: offset == 0 ? 4 : 0));
            offset += size;
        }
        while (offset < compressed.Length);
        return SendRawAsync([.. frames]);
    }

    /// <summary>Raw DEFLATE with a sync flush, without the trailing 00 00 FF FF (RFC 7692 §7.2.1). A fresh deflater each time is always valid.</summary>
    public static byte[] Compress(byte[] data)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(data);
            deflate.Flush();
            var bytes = output.ToArray();
            Assert.True(bytes.AsSpan().EndsWith(new byte[] { 0, 0, 0xFF, 0xFF }), "DeflateStream.Flush did not end with a sync flush");
            return bytes[..^4];
        }
    }

    /// <summary>Writes the bytes, in TCP writes of <paramref name="chop"/> bytes when it is positive. A write the server refused (it closed) is not an error.</summary>
    public async Task SendRawAsync(byte[] bytes, int chop = 0)
    {
        var piece = chop > 0 ? chop : bytes.Length;
        using var cts = new CancellationTokenSource(DefaultTimeout * 3);
        try
        {
            for (var i = 0; i < bytes.Length || (i == 0 && bytes.Length == 0); i += piece)
            {
                await _socket.SendAsync(bytes.AsMemory(i, Math.Min(piece, bytes.Length - i)), SocketFlags.None, cts.Token);
                if (bytes.Length == 0)
                {
                    break;
                }
            }
        }
        catch (SocketException)
        {
            // The server closed (after a protocol error, say): what it sent before is what the test checks.
        }
    }

    public void ShutdownSend()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
        }
    }

    // ---------------------------------------------------------------- receiving

    private async Task<bool> ReadMoreAsync(CancellationToken cancellationToken)
    {
        if (_eof || _reset)
        {
            return false;
        }

        if (_start > 0 && _start == _end)
        {
            _start = _end = 0;
        }

        if (_end == _buffer.Length)
        {
            var size = _end - _start;
            var target = size * 2 > _buffer.Length ? new byte[_buffer.Length * 2] : _buffer;
            Buffer.BlockCopy(_buffer, _start, target, 0, size);
            _buffer = target;
            _start = 0;
            _end = size;
        }

        try
        {
            var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                _eof = true;
                return false;
            }

            _end += read;
            return true;
        }
        catch (SocketException)
        {
            _reset = true;
            return false;
        }
    }

    private async Task<bool> EnsureAsync(int count, CancellationToken cancellationToken)
    {
        while (_end - _start < count)
        {
            if (!await ReadMoreAsync(cancellationToken))
            {
                return false;
            }
        }

        return true;
    }

    private ConnectionEnd Ended => _reset ? ConnectionEnd.Reset : _eof ? ConnectionEnd.Eof : ConnectionEnd.Open;

    /// <summary>The next frame, or null when the connection ended first. Throws <see cref="TimeoutException"/> when nothing complete arrives in time.</summary>
    public async Task<WsFrame?> ReadFrameAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            return await ReadFrameCoreAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No complete frame within {(timeout ?? DefaultTimeout).TotalSeconds} s ({_end - _start} bytes pending).");
        }
    }

    private async Task<WsFrame?> ReadFrameCoreAsync(CancellationToken cancellationToken)
    {
        if (!await EnsureAsync(2, cancellationToken))
        {
            return null;
        }

        var b0 = _buffer[_start];
        var b1 = _buffer[_start + 1];
        var masked = (b1 & 0x80) != 0;
        long length = b1 & 0x7F;
        var headerSize = 2 + (length == 126 ? 2 : length == 127 ? 8 : 0) + (masked ? 4 : 0);
        if (!await EnsureAsync(headerSize, cancellationToken))
        {
            return null;
        }

        var pos = _start + 2;
        if (length == 126)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(pos));
            pos += 2;
        }
        else if (length == 127)
        {
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(_buffer.AsSpan(pos));
            pos += 8;
        }

        Assert.InRange(length, 0, 256L * 1024 * 1024);
        if (!await EnsureAsync(headerSize + (int)length, cancellationToken))
        {
            return null;
        }

        var payload = _buffer.AsSpan(_start + headerSize, (int)length).ToArray();
        if (masked)
        {
            var key = _buffer.AsSpan(pos, 4).ToArray();
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] ^= key[i & 3];
            }
        }

        _start += headerSize + (int)length;
        return new WsFrame((b0 & 0x80) != 0, (b0 >> 4) & 7, (byte)(b0 & 0x0F), masked, payload);
    }

    /// <summary>
    /// The next data message, reassembled from its fragments and inflated. Pings are answered and recorded, pongs
    /// recorded. A close frame (or the end of the connection) comes back as a message with opcode Close.
    /// </summary>
    public async Task<WsMessage> ReadMessageAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        var data = new List<byte[]>();
        byte opcode = 0;
        var compressed = false;
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            var frame = await ReadFrameAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1));
            if (frame is null)
            {
                return new WsMessage(Op.Close, [], false);
            }

            Assert.False(frame.Masked, "RFC 6455 §5.1: a server must not mask its frames");
            switch (frame.Opcode)
            {
                case Op.Ping:
                    PingsReceived.Add(frame.Payload);
                    await SendFrameAsync(Op.Pong, frame.Payload);
                    continue;
                case Op.Pong:
                    PongsReceived.Add(frame.Payload);
                    continue;
                case Op.Close:
                    return new WsMessage(Op.Close, frame.Payload, false);
                case Op.Text or Op.Binary:
                    Assert.True(opcode == 0, $"A new data frame {frame} arrived inside a fragmented message");
                    opcode = frame.Opcode;
                    compressed = (frame.Rsv & 4) != 0;
                    Assert.True(frame.Rsv == 0 || (frame.Rsv == 4 && _inflater is not null), $"Unexpected RSV bits in {frame}");
                    break;
                case Op.Continuation:
                    Assert.True(opcode != 0, "A continuation frame arrived with no message in progress");
                    Assert.Equal(0, frame.Rsv);
                    break;
                default:
                    Assert.Fail($"The server sent a frame with reserved opcode: {frame}");
                    break;
            }

            data.Add(frame.Payload);
            if (frame.Fin)
            {
                var whole = data.SelectMany(d => d).ToArray();
                return new WsMessage(opcode, compressed ? _inflater!.Inflate(whole) : whole, compressed);
            }
        }
    }

    /// <summary>
    /// Reads until the server's close frame, then (optionally after answering it and half-closing, as a client
    /// does) until the TCP connection ends, or the timeout.
    /// </summary>
    public async Task<CloseOutcome> ReadCloseAsync(TimeSpan? timeout = null, bool answerAndHalfClose = true)
    {
        var outcome = new CloseOutcome();
        var started = DateTime.UtcNow;
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            while (true)
            {
                var frame = await ReadFrameCoreAsync(cts.Token);
                if (frame is null)
                {
                    break;
                }

                if (frame.Opcode == Op.Close)
                {
                    outcome.CloseReceived = true;
                    outcome.ClosePayload = frame.Payload;
                    if (answerAndHalfClose)
                    {
                        await SendFrameAsync(Op.Close, frame.Payload.Length >= 2 ? frame.Payload.AsSpan(0, 2) : []);
                        ShutdownSend();
                    }

                    while (await ReadMoreAsync(cts.Token))
                    {
                        // Anything after the close frame is ignored (RFC 6455 §5.5.1), but must not keep the connection open.
                    }

                    break;
                }

                outcome.FramesBeforeClose.Add(frame);
            }
        }
        catch (OperationCanceledException)
        {
            // Timed out: End stays Open unless the connection ended.
        }

        outcome.End = Ended;
        outcome.Elapsed = DateTime.UtcNow - started;
        return outcome;
    }

    public void Dispose()
    {
        _socket.Dispose();
        _inflater?.Dispose();
    }

    /// <summary>
    /// Inflates the server's messages (RFC 7692 §7.2.2): append 00 00 FF FF and inflate. With context takeover one
    /// inflater (one LZ77 window) runs over the whole session, fed message by message.
    /// </summary>
    private sealed class MessageInflater(bool noContextTakeover) : IDisposable
    {
        private static readonly byte[] s_tail = [0, 0, 0xFF, 0xFF];
        private readonly FeedStream _feed = new();
        private DeflateStream? _shared;

        public byte[] Inflate(byte[] compressed)
        {
            if (noContextTakeover)
            {
                using var input = new MemoryStream([.. compressed, .. s_tail]);
                using var inflate = new DeflateStream(input, CompressionMode.Decompress);
                using var output = new MemoryStream();
                inflate.CopyTo(output);
                return output.ToArray();
            }

            _shared ??= new DeflateStream(_feed, CompressionMode.Decompress);
            _feed.Append(compressed);
            _feed.Append(s_tail);
            using var result = new MemoryStream();
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = _shared.Read(buffer)) > 0)
            {
                result.Write(buffer, 0, read);
            }

            Assert.Equal(0, _feed.Pending);
            return result.ToArray();
        }

        public void Dispose()
        {
            _shared?.Dispose();
            _feed.Dispose();
        }
    }

    /// <summary>A read-only stream one can append to; reading past the end returns 0 until more is appended.</summary>
    private sealed class FeedStream : Stream
    {
        private readonly Queue<byte[]> _chunks = new();
        private int _offset;

        public int Pending => _chunks.Sum(c => c.Length) - _offset;

        public void Append(byte[] data)
        {
            if (data.Length > 0)
            {
                _chunks.Enqueue(data);
            }
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = 0;
            while (n < count && _chunks.Count > 0)
            {
                var chunk = _chunks.Peek();
                var take = Math.Min(count - n, chunk.Length - _offset);
                Buffer.BlockCopy(chunk, _offset, buffer, offset + n, take);
                n += take;
                _offset += take;
                if (_offset == chunk.Length)
                {
                    _chunks.Dequeue();
                    _offset = 0;
                }
            }

            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
