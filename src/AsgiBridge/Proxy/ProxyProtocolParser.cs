using System.Buffers;
using System.Net;

namespace AsgiBridge.Proxy;

/// <summary>
/// The resumable PROXY protocol header parser (HAProxy's PROXY protocol specification, versions 1 and 2). Each call
/// looks at everything received so far and answers <see cref="OperationStatus.Done"/> (the header, and where it
/// ends: what follows is the first request), <see cref="OperationStatus.NeedMoreData"/> (nothing consumed,
/// everything examined, so the next read waits for more) or <see cref="OperationStatus.InvalidData"/> with the
/// reason. The checks run in the order of the bytes they look at, and a v1 line is judged only once its CRLF is
/// there, so the answer never depends on how the bytes were split across reads. Nothing is allocated but the
/// resulting endpoints.
/// </summary>
internal static partial class ProxyProtocolParser
{
    /// <summary>The longest v1 line, CRLF included: <c>PROXY UNKNOWN</c> with two full IPv6 addresses and ports.</summary>
    public const int V1MaxLength = 107;

    /// <summary>The fixed part of a v2 header: signature, version and command, family and transport, length.</summary>
    public const int V2FixedLength = 16;

    /// <summary>
    /// The most address and TLV bytes accepted after the fixed part: the specification sizes both versions to fit
    /// the smallest TCP segment every host must accept (576 - 40 = 536 bytes).
    /// </summary>
    public const int V2MaxAddressLength = 536;

    /// <summary>The most bytes a header can take: everything the parser ever looks at.</summary>
    private const int MaxHeaderLength = V2FixedLength + V2MaxAddressLength;

    /// <summary>Parses the header at the start of <paramref name="input"/>, of the version <paramref name="protocol"/> allows.</summary>
    public static OperationStatus TryParse(
        AsgiProxyProtocol protocol,
        in ReadOnlySequence<byte> input,
        out SequencePosition consumed,
        out SequencePosition examined,
        out ProxyHeader header,
        out ProxyProtocolRejection rejection)
    {
        consumed = input.Start;
        examined = input.End;
        header = default;
        rejection = ProxyProtocolRejection.None;
        if (input.IsEmpty)
        {
            return OperationStatus.NeedMoreData;
        }

        // The limits hold by slicing: no header is longer, and whatever follows one is the HTTP request.
        var window = input.Length > MaxHeaderLength ? input.Slice(0, MaxHeaderLength) : input;
        Span<byte> scratch = window.IsSingleSegment ? default : stackalloc byte[(int)window.Length];
        if (!window.IsSingleSegment)
        {
            window.CopyTo(scratch);
        }

        ReadOnlySpan<byte> bytes = window.IsSingleSegment ? window.FirstSpan : scratch;

        if (protocol == AsgiProxyProtocol.Auto)
        {
            // The two formats differ from the first byte on: 'P' of "PROXY", CR of the v2 signature.
            protocol = bytes[0] switch
            {
                (byte)'P' => AsgiProxyProtocol.V1,
                V2SignatureFirstByte => AsgiProxyProtocol.V2,
                _ => AsgiProxyProtocol.Off,
            };
        }

        int length;
        var status = protocol switch
        {
            AsgiProxyProtocol.V1 => ParseV1(bytes, out length, out header, out rejection),
            AsgiProxyProtocol.V2 => ParseV2(bytes, out length, out header, out rejection),
            _ => Invalid(ProxyProtocolRejection.NotProxyProtocol, out length, out rejection),
        };
        if (status == OperationStatus.Done)
        {
            consumed = input.GetPosition(length);
            examined = consumed;
        }

        return status;
    }

    private static OperationStatus Invalid(ProxyProtocolRejection reason, out int length, out ProxyProtocolRejection rejection)
    {
        length = 0;
        rejection = reason;
        return OperationStatus.InvalidData;
    }

    /// <summary>Whether <paramref name="bytes"/> starts with as much of <paramref name="expected"/> as it holds.</summary>
    private static bool StartsLike(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> expected)
    {
        var count = Math.Min(bytes.Length, expected.Length);
        return bytes[..count].SequenceEqual(expected[..count]);
    }

    private static IPEndPoint EndPoint(ReadOnlySpan<byte> address, int port) => new(new IPAddress(address), port);
}
