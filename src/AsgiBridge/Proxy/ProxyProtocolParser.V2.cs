using System.Buffers;
using System.Buffers.Binary;

namespace AsgiBridge.Proxy;

/// <summary>
/// Version 2: the 12-byte signature, a version-and-command byte, a family-and-transport byte, a big-endian length,
/// then that many bytes of addresses and TLVs.
/// </summary>
internal static partial class ProxyProtocolParser
{
    private const byte V2SignatureFirstByte = 0x0D;
    private const int CommandLocal = 0x0;
    private const int CommandProxy = 0x1;
    private const int FamilyUnspecified = 0x0;
    private const int FamilyInet = 0x1;
    private const int FamilyInet6 = 0x2;
    private const int FamilyUnix = 0x3;
    private const int TransportUnspecified = 0x0;
    private const int TransportDatagram = 0x2;

    /// <summary>Two addresses and two ports: 2 × 4 + 2 × 2, 2 × 16 + 2 × 2, and two 108-byte unix paths.</summary>
    private const int InetAddressesLength = 12;
    private const int Inet6AddressesLength = 36;
    private const int UnixAddressesLength = 216;

    /// <summary>The v2 signature: a CRLF-laden byte string no other protocol starts with (<c>\r\n\r\n\0\r\nQUIT\n</c>).</summary>
    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static OperationStatus ParseV2(ReadOnlySpan<byte> bytes, out int length, out ProxyHeader header, out ProxyProtocolRejection rejection)
    {
        header = default;
        length = 0;
        rejection = ProxyProtocolRejection.None;
        if (!StartsLike(bytes, V2Signature))
        {
            return Invalid(ProxyProtocolRejection.NotProxyProtocol, out length, out rejection);
        }

        if (bytes.Length <= V2Signature.Length)
        {
            return OperationStatus.NeedMoreData;
        }

        var versionCommand = bytes[12];
        if (versionCommand >> 4 != 2)
        {
            return Invalid(ProxyProtocolRejection.V2InvalidVersion, out length, out rejection);
        }

        var command = versionCommand & 0xF;
        if (command is not (CommandLocal or CommandProxy))
        {
            return Invalid(ProxyProtocolRejection.V2InvalidCommand, out length, out rejection);
        }

        if (bytes.Length < 14)
        {
            return OperationStatus.NeedMoreData;
        }

        // LOCAL ignores the family byte (the specification: "discard the protocol block including the family").
        var family = bytes[13] >> 4;
        var transport = bytes[13] & 0xF;
        if (command == CommandProxy && (family > FamilyUnix || transport > TransportDatagram))
        {
            return Invalid(ProxyProtocolRejection.V2InvalidFamily, out length, out rejection);
        }

        if (bytes.Length < V2FixedLength)
        {
            return OperationStatus.NeedMoreData;
        }

        var blockLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[14..]);
        if (blockLength > V2MaxAddressLength)
        {
            return Invalid(ProxyProtocolRejection.V2TooLong, out length, out rejection);
        }

        if (bytes.Length < V2FixedLength + blockLength)
        {
            return OperationStatus.NeedMoreData;
        }

        var block = bytes.Slice(V2FixedLength, blockLength);
        length = V2FixedLength + blockLength;
        // LOCAL (a proxy's own health check) and UNSPEC keep the real endpoints; their block is skipped unread.
        if (command == CommandLocal || family == FamilyUnspecified || transport == TransportUnspecified)
        {
            header = new ProxyHeader(2, null, null);
            return OperationStatus.Done;
        }

        var addressesLength = family switch
        {
            FamilyInet => InetAddressesLength,
            FamilyInet6 => Inet6AddressesLength,
            _ => UnixAddressesLength,
        };
        if (block.Length < addressesLength)
        {
            return Invalid(ProxyProtocolRejection.V2AddressesTruncated, out length, out rejection);
        }

        if (!TlvsAreWhole(block[addressesLength..]))
        {
            return Invalid(ProxyProtocolRejection.V2InvalidTlv, out length, out rejection);
        }

        header = family switch
        {
            FamilyInet => new ProxyHeader(
                2,
                EndPoint(block[..4], BinaryPrimitives.ReadUInt16BigEndian(block[8..])),
                EndPoint(block[4..8], BinaryPrimitives.ReadUInt16BigEndian(block[10..]))),
            FamilyInet6 => new ProxyHeader(
                2,
                EndPoint(block[..16], BinaryPrimitives.ReadUInt16BigEndian(block[32..])),
                EndPoint(block[16..32], BinaryPrimitives.ReadUInt16BigEndian(block[34..]))),
            // AF_UNIX: a unix-socket client has no address to give the application; the connection keeps its own.
            _ => new ProxyHeader(2, null, null),
        };
        return OperationStatus.Done;
    }

    /// <summary>
    /// Whether the bytes after the addresses are a run of whole TLVs (type, big-endian length, value). They are
    /// skipped, not interpreted; a CRC32C TLV is not verified.
    /// </summary>
    private static bool TlvsAreWhole(ReadOnlySpan<byte> tlvs)
    {
        while (!tlvs.IsEmpty)
        {
            if (tlvs.Length < 3)
            {
                return false;
            }

            var end = 3 + BinaryPrimitives.ReadUInt16BigEndian(tlvs[1..]);
            if (end > tlvs.Length)
            {
                return false;
            }

            tlvs = tlvs[end..];
        }

        return true;
    }
}
