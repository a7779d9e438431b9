using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace AsgiBridge.Extensions;

/// <summary>
/// The ASGI TLS extension (<c>scope["extensions"]["tls"]</c>, ASGI TLS extension spec 0.2) of one TLS connection: its
/// values are read from Kestrel's TLS features once, the PEM text made on the first scope that asks, and every scope
/// gets a dictionary of its own. <c>client_cert_chain</c> holds the client's certificate alone: .NET's TLS stack
/// does not hand out the intermediates a client sent. <c>client_cert_error</c> is always null: Kestrel ends the
/// handshake when a client certificate fails validation, so one that is present passed (docs/contract.md).
/// </summary>
internal sealed class TlsExtension
{
    private readonly X509Certificate? _serverCertificate;
    private readonly X509Certificate2? _clientCertificate;
    private string? _serverPem;
    private string? _clientPem;
    private string? _clientName;

    private TlsExtension(int? version, int? cipherSuite, X509Certificate? serverCertificate, X509Certificate2? clientCertificate)
    {
        Version = version;
        CipherSuite = cipherSuite;
        _serverCertificate = serverCertificate;
        _clientCertificate = clientCertificate;
    }

    /// <summary><c>tls_version</c>: the protocol version number as TLS writes it (0x0303 for TLS 1.2, 0x0304 for TLS 1.3).</summary>
    public int? Version { get; }

    /// <summary><c>cipher_suite</c>: the IANA 16-bit number of the negotiated cipher suite.</summary>
    public int? CipherSuite { get; }

    /// <summary>The extension of a connection, or null when it has no TLS.</summary>
    public static TlsExtension? From(IFeatureCollection features)
    {
        if (features.Get<ITlsHandshakeFeature>() is not { } handshake)
        {
            return null;
        }

        var server = features.Get<ISslStreamFeature>()?.SslStream.LocalCertificate;
        var client = features.Get<ITlsConnectionFeature>()?.ClientCertificate;
        return new TlsExtension(VersionNumber(handshake.Protocol), handshake.NegotiatedCipherSuite is { } suite ? (int)suite : null, server, client);
    }

    /// <summary>A new dictionary with the spec's keys.</summary>
    public Dictionary<string, object?> ToDictionary()
    {
        if (_serverCertificate is not null)
        {
            _serverPem ??= Pem(_serverCertificate);
        }

        List<string> chain = [];
        if (_clientCertificate is not null)
        {
            chain.Add(_clientPem ??= _clientCertificate.ExportCertificatePem());
            _clientName ??= DistinguishedName(_clientCertificate.SubjectName);
        }

        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["server_cert"] = _serverPem,
            ["client_cert_chain"] = chain,
            ["client_cert_name"] = _clientName,
            ["client_cert_error"] = null,
            ["tls_version"] = Version,
            ["cipher_suite"] = CipherSuite,
        };
    }

    /// <summary>The version number of RFC 8446 §4.2.1 (and its predecessors: SSL 3.0 was 0x0300).</summary>
    /// <remarks>The versions before TLS 1.2 by their enum values: their names are obsolete, and they are reported, not enabled.</remarks>
    internal static int? VersionNumber(SslProtocols protocol) => protocol switch
    {
        (SslProtocols)48 => 0x0300, // Ssl3
        (SslProtocols)192 => 0x0301, // Tls
        (SslProtocols)768 => 0x0302, // Tls11
        SslProtocols.Tls12 => 0x0303,
        SslProtocols.Tls13 => 0x0304,
        _ => null,
    };

    /// <summary>
    /// A distinguished name as RFC 4514 writes it: the most specific RDN first, attribute types by their short names
    /// (§3; others as dotted OIDs), values escaped (§2.4), RDNs separated by commas without spaces.
    /// </summary>
    internal static string DistinguishedName(X500DistinguishedName name)
    {
        var text = new StringBuilder();
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames(reversed: false))
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            if (rdn.HasMultipleElements)
            {
                // Multi-valued RDNs are rare in client certificates; .NET names their parts only as one formatted string.
                text.Append(new X500DistinguishedName(rdn.RawData.Span).Name);
                continue;
            }

            var type = rdn.GetSingleElementType();
            text.Append(ShortName(type.Value) ?? type.Value).Append('=');
            Escape(rdn.GetSingleElementValue() ?? "", text);
        }

        return text.ToString();
    }

    private static string? ShortName(string? oid) => oid switch
    {
        "2.5.4.3" => "CN",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.6" => "C",
        "2.5.4.9" => "STREET",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        _ => null,
    };

    private static void Escape(string value, StringBuilder text)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var escape = c is '"' or '+' or ',' or ';' or '<' or '>' or '\\'
                || (i == 0 && c is '#' or ' ')
                || (i == value.Length - 1 && c == ' ');
            if (c == '\0')
            {
                text.Append("\\00");
                continue;
            }

            if (escape)
            {
                text.Append('\\');
            }

            text.Append(c);
        }
    }

    private static string Pem(X509Certificate certificate) =>
        certificate is X509Certificate2 full ? full.ExportCertificatePem() : PemEncoding.WriteString("CERTIFICATE", certificate.GetRawCertData());
}
