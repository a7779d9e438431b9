using System.Buffers.Binary;
using System.Text.Unicode;

namespace AsgiBridge.WebSocket;

/// <summary>
/// Sits between the socket and the BCL's WebSocket on the receive side and closes three conformance gaps of
/// .NET's ManagedWebSocket (found by our Autobahn-style tests):
/// an unmasked client frame shorter than 6 bytes is not rejected (RFC 6455 §5.1 requires failing it);
/// RSV1 on a control frame is accepted when permessage-deflate is on (RFC 7692 §6.1 requires failing it);
/// a close frame whose reason is not UTF-8 is failed with 1002 instead of 1007 (RFC 6455 §7.4.1, §8.1).
/// It never fails the connection itself: it hands the BCL a substitute frame that makes the BCL send the right
/// close code (a reserved opcode → 1002; a reason-less close 1007 → echoed 1007), so every close frame still goes
/// through the BCL's own send path and ordering.
/// </summary>
internal sealed class ClientFrameGuard
{
    private const int MaxHeader = 14;
    private const int MaxControlPayload = 125;

    private static readonly byte[] s_reservedOpcodeFrame = [0x83, 0x80, 0, 0, 0, 0];

    private readonly bool _deflate;
    private readonly byte[] _header = new byte[MaxHeader];
    private readonly byte[] _close = new byte[MaxHeader + MaxControlPayload];
    private int _headerLength;
    private int _headerNeeded = 2;
    private long _payloadRemaining;
    private bool _holdingClose;
    private int _closeLength;
    private byte[] _emit = [];
    private int _emitOffset;
    private int _emitLength;
    private bool _poisoned;

    public ClientFrameGuard(bool deflateNegotiated) => _deflate = deflateNegotiated;

    /// <summary>After a substitute that fails the connection, nothing more is passed on.</summary>
    public bool IsPoisoned => _poisoned && _emitLength == 0;

    /// <summary>
    /// The client sent a close frame with no status code (as a browser's <c>close()</c> without arguments does). The
    /// BCL reports it as 1000; RFC 6455 §7.1.5 and ASGI say 1005, and §5.5.1 answers it with a close without a code.
    /// </summary>
    public bool EmptyCloseReceived { get; private set; }

    /// <summary>Moves bytes from <paramref name="input"/> to <paramref name="destination"/>, checking frame headers on the way.</summary>
    /// <returns>The bytes written to <paramref name="destination"/>; <paramref name="consumed"/> is how much input was used.</returns>
    public int Transfer(ReadOnlySpan<byte> input, Span<byte> destination, out int consumed)
    {
        consumed = 0;
        var written = 0;
        while (true)
        {
            if (_emitLength > 0)
            {
                var n = Math.Min(_emitLength, destination.Length - written);
                _emit.AsSpan(_emitOffset, n).CopyTo(destination[written..]);
                _emitOffset += n;
                _emitLength -= n;
                written += n;
                if (_emitLength > 0)
                {
                    return written;
                }

                continue;
            }

            if (_poisoned || written == destination.Length)
            {
                return written;
            }

            if (_payloadRemaining > 0)
            {
                var n = (int)Math.Min(_payloadRemaining, input.Length - consumed);
                if (!_holdingClose)
                {
                    n = Math.Min(n, destination.Length - written);
                }

                if (n == 0)
                {
                    return written;
                }

                if (_holdingClose)
                {
                    input.Slice(consumed, n).CopyTo(_close.AsSpan(_closeLength));
                    _closeLength += n;
                }
                else
                {
                    input.Slice(consumed, n).CopyTo(destination[written..]);
                    written += n;
                }

                consumed += n;
                _payloadRemaining -= n;
                if (_payloadRemaining == 0 && _holdingClose)
                {
                    ReleaseClose();
                }

                continue;
            }

            if (consumed == input.Length)
            {
                return written;
            }

            _header[_headerLength++] = input[consumed++];
            if (_headerLength == 2 && !CheckFirstTwoBytes())
            {
                continue;
            }

            if (_headerLength == _headerNeeded)
            {
                OnHeaderComplete();
            }
        }
    }

    private bool CheckFirstTwoBytes()
    {
        var b0 = _header[0];
        var b1 = _header[1];
        var isControl = (b0 & 0x08) != 0;
        if ((b1 & 0x80) == 0 || (_deflate && isControl && (b0 & 0x40) != 0))
        {
            Emit(s_reservedOpcodeFrame, s_reservedOpcodeFrame.Length);
            _poisoned = true;
            return false;
        }

        var length7 = b1 & 0x7F;
        _headerNeeded = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + 4;
        return true;
    }

    private void OnHeaderComplete()
    {
        var length7 = _header[1] & 0x7F;
        long payload = length7 switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(_header.AsSpan(2)),
            127 => (long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(_header.AsSpan(2)), long.MaxValue),
            _ => length7,
        };

        var headerLength = _headerLength;
        _headerLength = 0;
        _headerNeeded = 2;
        _payloadRemaining = payload;
        if ((_header[0] & 0x0F) == 0x8 && payload == 0)
        {
            EmptyCloseReceived = true;
        }

        // Only a close frame with the usual 6-byte header is held (a longer length encoding is passed on as it is:
        // the BCL judges it), so the mask and reason offsets below are fixed.
        if ((_header[0] & 0x0F) == 0x8 && headerLength == 6 && payload is >= 2 and <= MaxControlPayload)
        {
            // Hold the whole close frame to check its reason before the BCL sees it.
            _header.AsSpan(0, headerLength).CopyTo(_close);
            _closeLength = headerLength;
            _holdingClose = true;
            return;
        }

        Emit(_header, headerLength);
    }

    private void ReleaseClose()
    {
        _holdingClose = false;
        const int headerLength = 6;
        Span<byte> mask = stackalloc byte[4];
        _close.AsSpan(2, 4).CopyTo(mask);
        Span<byte> reason = stackalloc byte[MaxControlPayload];
        var reasonLength = _closeLength - headerLength - 2;
        for (var i = 0; i < reasonLength; i++)
        {
            reason[i] = (byte)(_close[headerLength + 2 + i] ^ mask[(i + 2) & 3]);
        }

        if (Utf8.IsValid(reason[..reasonLength]))
        {
            Emit(_close, _closeLength);
            return;
        }

        // Substitute a close 1007 with no reason, masked with the client's key: the BCL echoes 1007.
        _close[0] = 0x88;
        _close[1] = 0x82;
        _close[6] = (byte)(0x03 ^ mask[0]);
        _close[7] = (byte)(0xEF ^ mask[1]);
        Emit(_close, 8);
    }

    private void Emit(byte[] bytes, int length)
    {
        _emit = bytes;
        _emitOffset = 0;
        _emitLength = length;
    }
}
