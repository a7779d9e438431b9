using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AsgiBridge.Tests.Infrastructure;

/// <summary>Self-signed certificates made in the test, valid for <c>localhost</c> and 127.0.0.1, with their private keys.</summary>
internal static class TestCertificates
{
    /// <summary>A certificate for server and client authentication, subject <paramref name="subject"/>.</summary>
    public static X509Certificate2 Create(string subject = "CN=localhost") => Create(new X500DistinguishedName(subject));

    /// <inheritdoc cref="Create(string)"/>
    public static X509Certificate2 Create(X500DistinguishedName subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
