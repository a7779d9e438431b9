using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace AsgiBridge.Tests.Proxy;

/// <summary>PROXY protocol headers as a sender writes them (HAProxy's PROXY protocol specification), for tests.</summary>
internal static class ProxyHeaderBytes
{
    public static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static byte[] V1(string line) => Encoding.Latin1.GetBytes(line);

    /// <summary>Version byte 0x2_, command, family and transport, then <paramref name="block"/> with its length.</summary>
    public static byte[] V2(byte versionCommand, byte familyTransport, byte[] block, int? declaredLength = null)
    {
        var bytes = new byte[16 + block.Length];
        V2Signature.CopyTo(bytes, 0);
        bytes[12] = versionCommand;
        bytes[13] = familyTransport;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(14), (ushort)(declaredLength ?? block.Length));
        block.CopyTo(bytes, 16);
        return bytes;
    }

    /// <summary>A v2 PROXY header for TCP (IPv4 or IPv6 by the addresses' family), with optional TLVs after the addresses.</summary>
    public static byte[] V2Proxy(IPEndPoint source, IPEndPoint destination, byte[]? tlvs = null, byte transport = 0x1)
    {
        var ipv6 = source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var block = new List<byte>();
        block.AddRange(source.Address.GetAddressBytes());
        block.AddRange(destination.Address.GetAddressBytes());
        block.AddRange(Port(source.Port));
        block.AddRange(Port(destination.Port));
        block.AddRange(tlvs ?? []);
        return V2(0x21, (byte)((ipv6 ? 0x20 : 0x10) | transport), [.. block]);
    }

    public static byte[] V2Local(byte[]? block = null) => V2(0x20, 0x00, block ?? []);

    public static byte[] Tlv(byte type, int length)
    {
        var bytes = new byte[3 + length];
        bytes[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(1), (ushort)length);
        new Random(length).NextBytes(bytes.AsSpan(3));
        return bytes;
    }

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private static byte[] Port(int port)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)port);
        return bytes;
    }
}
