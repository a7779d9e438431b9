using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Hosting;

/// <summary>
/// The host executable on an https address with its defaults, as docs/http2.md shows it: <c>curl --http2</c> and
/// <c>curl --http1.1</c> reach the same echo app on one port, which reports <c>http_version</c> "2" and "1.1".
/// Skipped, with the reason, without curl.
/// </summary>
public sealed class HostHttp2Tests
{
    private const string Curl = "/usr/bin/curl";

    [SkippableFact]
    public async Task One_https_port_answers_curl_over_http2_and_http11_from_the_same_app()
    {
        Skip.IfNot(File.Exists(Curl), $"curl is not installed at {Curl} (.ci/run installs it)");
        var pfx = Path.Combine(Path.GetTempPath(), $"asgibridge-h2-{Guid.NewGuid():N}.pfx");
        using (var certificate = TestCertificates.Create())
        {
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "pw"));
        }

        var port = FreePort();
        try
        {
            using var host = HostProcess.Start("--app", "echo", "--urls", $"https://127.0.0.1:{port}",
                $"--Kestrel:Certificates:Default:Path={pfx}", "--Kestrel:Certificates:Default:Password=pw");
            await host.WaitForOutputAsync("Serving app 'echo'", TimeSpan.FromSeconds(30));

            using var h2 = JsonDocument.Parse(await CurlAsync("--http2", $"https://127.0.0.1:{port}/via-h2?x=1"));
            Assert.Equal("2", h2.RootElement.GetProperty("http_version").GetString());
            Assert.Equal("https", h2.RootElement.GetProperty("scheme").GetString());
            Assert.Equal("/via-h2", h2.RootElement.GetProperty("path").GetString());

            using var h1 = JsonDocument.Parse(await CurlAsync("--http1.1", $"https://127.0.0.1:{port}/via-h1"));
            Assert.Equal("1.1", h1.RootElement.GetProperty("http_version").GetString());
            Assert.Equal("https", h1.RootElement.GetProperty("scheme").GetString());
        }
        finally
        {
            File.Delete(pfx);
        }
    }

    private static async Task<string> CurlAsync(string version, string url)
    {
        using var curl = Process.Start(new ProcessStartInfo(Curl, ["-sS", "-k", "--max-time", "20", version, url]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        var output = curl.StandardOutput.ReadToEndAsync();
        var errors = curl.StandardError.ReadToEndAsync();
        await curl.WaitForExitAsync();
        Assert.True(curl.ExitCode == 0, $"curl {version} {url} exited {curl.ExitCode}: {await errors}");
        return await output;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
