using System.Reflection;

namespace AsgiBridge.Tests.Packaging;

/// <summary>
/// AsgiBridge packed once, by <c>dotnet pack -c Release</c>, into a local folder feed in a temporary folder that is
/// deleted afterwards.
/// </summary>
/// <remarks>
/// It packs a copy of <c>src/AsgiBridge</c> and the repository's build files, not the project in place: a Release build
/// in place would write into the same <c>obj/</c> as the test run's own build and any other build of the tree, and leave
/// output behind. The copy restores, builds and packs on its own, exactly as a clean clone does. (The copy is not a git
/// repository, so SourceLink adds no commit there; everything else is the real configuration.)
/// The version is the repository's <c>VersionPrefix</c> with a unique suffix, <c>-test.PID.TIME</c>: no other
/// source the consumer's restore asks can hold it, so only this feed's package can satisfy it.
/// </remarks>
public sealed class PackedPackage : IAsyncLifetime
{
    internal static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Build configuration files at the repository root that a project build reads, copied when present.</summary>
    private static readonly string[] s_rootBuildFiles =
    [
        "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json", "NuGet.config",
        "nuget.config", ".editorconfig",
    ];

    public PackedPackage()
    {
        RepositoryRoot = FindRoot();
        Work = Path.Combine(Path.GetTempPath(), "asgibridge-pack-" + Guid.NewGuid().ToString("N"));
        var suffix = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"test.{Environment.ProcessId}.{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}");
        VersionSuffix = suffix;
        Version = VersionPrefix + "-" + suffix;
        Feed = Path.Combine(Work, "feed");
    }

    /// <summary>The repository's VersionPrefix, read from the library this test project references (0.1.0 from 0.1.0+commit).</summary>
    public static string VersionPrefix
    {
        get
        {
            var informational = typeof(AsgiApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
            return informational.Split('+')[0].Split('-')[0];
        }
    }

    public string RepositoryRoot { get; }

    /// <summary>The temporary folder holding the copy, the feed and the consumer.</summary>
    public string Work { get; }

    public string VersionSuffix { get; }

    /// <summary>The package version: <see cref="VersionPrefix"/>-<see cref="VersionSuffix"/>.</summary>
    public string Version { get; }

    public string Feed { get; }

    public string Nupkg => Path.Combine(Feed, $"AsgiBridge.{Version}.nupkg");

    public string Snupkg => Path.Combine(Feed, $"AsgiBridge.{Version}.snupkg");

    public async Task InitializeAsync()
    {
        var copy = Path.Combine(Work, "repo");
        foreach (var name in s_rootBuildFiles)
        {
            var file = Path.Combine(RepositoryRoot, name);
            if (File.Exists(file))
            {
                Directory.CreateDirectory(copy);
                File.Copy(file, Path.Combine(copy, name));
            }
        }

        CopyProject(Path.Combine(RepositoryRoot, "src", "AsgiBridge"), Path.Combine(copy, "src", "AsgiBridge"));
        await DotnetProcess.RunAsync(copy, BuildTimeout,
            "pack", Path.Combine("src", "AsgiBridge", "AsgiBridge.csproj"), "-c", "Release", "-o", Feed,
            "-p:VersionSuffix=" + VersionSuffix, "--disable-build-servers", "-nologo");
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Work, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is not the test's failure.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Task.CompletedTask;
    }

    /// <summary>The project's sources: everything but its build output (<c>bin/</c>, <c>obj/</c>).</summary>
    private static void CopyProject(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.EnumerateDirectories(from))
        {
            var name = Path.GetFileName(dir);
            if (name is not ("bin" or "obj"))
            {
                CopyProject(dir, Path.Combine(to, name));
            }
        }
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Bridge.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("Bridge.sln not found");
    }
}
