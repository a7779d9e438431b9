using System.IO.Compression;
using System.Net;
using System.Xml.Linq;

namespace AsgiBridge.Tests.Packaging;

/// <summary>
/// <c>dotnet pack</c> gives a real AsgiBridge package: it holds the library, its XML docs and README, with symbols
/// beside it, and a fresh app that references it from a local feed restores, builds and serves an ASGI app with it.
/// </summary>
/// <remarks>
/// Slow (a pack and a build as child processes: about 20 s alone, more under load), so it runs beside the other tests
/// with its children under <c>nice</c>, every step bounded by a timeout. Skip it with
/// <c>dotnet test Bridge.sln --filter "Category!=Packaging"</c>.
/// </remarks>
[Trait("Category", "Packaging")]
public sealed class PackageTests(PackedPackage package) : IClassFixture<PackedPackage>
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_requestTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void The_package_holds_the_library_its_docs_and_readme_and_the_symbols_are_a_snupkg()
    {
        Assert.True(File.Exists(package.Nupkg), $"{package.Nupkg} missing; the feed holds: {string.Join(", ", Directory.EnumerateFiles(package.Feed).Select(Path.GetFileName))}");
        using (var nupkg = ZipFile.OpenRead(package.Nupkg))
        {
            var entries = nupkg.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("lib/net10.0/AsgiBridge.dll", entries);
            Assert.Contains("README.md", entries);
            Assert.Contains("AsgiBridge.nuspec", entries);

            var docs = Read(nupkg, "lib/net10.0/AsgiBridge.xml");
            Assert.Contains("M:AsgiBridge.AsgiWebHostBuilderExtensions.UseAsgi(", docs, StringComparison.Ordinal);
            var readme = Read(nupkg, "README.md");
            Assert.Equal(File.ReadAllText(Path.Combine(package.RepositoryRoot, "src", "AsgiBridge", "README.md")), readme);
            Assert.Contains("dotnet add package AsgiBridge", readme, StringComparison.Ordinal);
        }

        Assert.True(File.Exists(package.Snupkg), $"{package.Snupkg} missing");
        using var snupkg = ZipFile.OpenRead(package.Snupkg);
        Assert.Contains(snupkg.Entries, e => e.FullName == "lib/net10.0/AsgiBridge.pdb");
    }

    [Fact]
    public void The_nuspec_names_the_package_version_license_description_readme_and_repository()
    {
        using var nupkg = ZipFile.OpenRead(package.Nupkg);
        var metadata = XDocument.Parse(Read(nupkg, "AsgiBridge.nuspec")).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => Element(metadata, name).Value;

        Assert.Equal("AsgiBridge", Value("id"));
        Assert.Equal(package.Version, Value("version"));
        Assert.Equal("expression", (string?)Element(metadata, "license").Attribute("type"));
        Assert.Equal("MIT", Value("license"));
        Assert.Equal("README.md", Value("readme"));
        Assert.StartsWith("https://", Value("projectUrl"), StringComparison.Ordinal);
        Assert.StartsWith("https://", (string?)Element(metadata, "repository").Attribute("url"), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(Value("authors")));

        var project = XDocument.Load(Path.Combine(package.RepositoryRoot, "src", "AsgiBridge", "AsgiBridge.csproj"));
        var description = project.Descendants("Description").Single().Value;
        Assert.Equal(description, Value("description"));

        // The shared framework is the only dependency: a consumer needs no other package.
        Assert.DoesNotContain(Element(metadata, "dependencies").Descendants(), e => e.Name.LocalName == "dependency");
        var framework = Element(metadata, "frameworkReferences").Descendants().Single(e => e.Name.LocalName == "frameworkReference");
        Assert.Equal("Microsoft.AspNetCore.App", (string?)framework.Attribute("name"));
    }

    [Fact]
    public async Task A_fresh_app_referencing_the_package_from_a_local_feed_builds_and_serves_an_asgi_app()
    {
        var consumer = Consumer.Write(Path.Combine(package.Work, "consumer"), package.Feed, package.Version);
        await DotnetProcess.RunAsync(consumer, PackedPackage.BuildTimeout, "build", "-c", "Release", "--disable-build-servers", "-nologo");

        using var app = DotnetProcess.Start(consumer, Path.Combine("bin", "Release", "net10.0", "Consumer.dll"), "--urls", "http://127.0.0.1:0");
        var version = await app.WaitForLineAsync(Consumer.VersionLine, s_startTimeout);
        var url = await app.WaitForLineAsync(Consumer.ListeningLine, s_startTimeout);

        // The assembly in the package carries the package's version (plus the commit, where the build knows it).
        Assert.True(version == package.Version || version.StartsWith(package.Version + "+", StringComparison.Ordinal), $"informational version {version}, package {package.Version}");

        using var client = new HttpClient { Timeout = s_requestTimeout };
        using var response = await client.GetAsync(new Uri(url + "/hello"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("asgibridge", Assert.Single(response.Headers.Server).Product?.Name);
        Assert.Equal("Hello from the AsgiBridge package at /hello", await response.Content.ReadAsStringAsync());
    }

    private static XElement Element(XElement parent, string localName) =>
        parent.Elements().SingleOrDefault(e => e.Name.LocalName == localName)
        ?? throw new InvalidOperationException($"The nuspec has no <{localName}>:\n{parent}");

    private static string Read(ZipArchive archive, string entryName)
    {
        var entry = archive.GetEntry(entryName);
        Assert.True(entry is not null, $"{entryName} is not in the package");
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }
}
