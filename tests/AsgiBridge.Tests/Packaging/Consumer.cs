using System.Security;

namespace AsgiBridge.Tests.Packaging;

/// <summary>
/// A fresh app that uses AsgiBridge as a user would: a web project with a PackageReference, restored from the local feed
/// plus whatever sources this machine's NuGet configuration names, into its own packages folder (so the global package
/// cache cannot hand it a stale AsgiBridge). It prints its AsgiBridge version and its address once it is listening.
/// </summary>
internal static class Consumer
{
    public const string VersionLine = "consumer-asgibridge-version: ";
    public const string ListeningLine = "consumer-listening: ";

    private const string Program = """
        using System.Reflection;
        using System.Text;
        using AsgiBridge;

        var builder = WebApplication.CreateSlimBuilder(args);
        builder.WebHost.UseAsgi(async (scope, receive, send) =>
        {
            if (scope.Type != "http")
            {
                return;
            }

            await send(new HttpResponseStartEvent(200, [new("content-type", "text/plain")]));
            await send(new HttpResponseBodyEvent(Encoding.UTF8.GetBytes("Hello from the AsgiBridge package at " + scope.Path)));
        });

        var app = builder.Build();
        await app.StartAsync();
        var version = typeof(AsgiApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Console.WriteLine("{{VersionLine}}" + version);
        Console.WriteLine("{{ListeningLine}}" + app.Urls.First());
        await app.WaitForShutdownAsync();
        """;

    /// <summary>Writes the app into <paramref name="folder"/> and returns it.</summary>
    public static string Write(string folder, string feed, string version)
    {
        Directory.CreateDirectory(folder);
        var packages = Path.Combine(Path.GetDirectoryName(folder)!, "packages"); // beside the project, not globbed into it

        // Stop MSBuild's upward search for build files: nothing above the temporary folder may shape this build.
        File.WriteAllText(Path.Combine(folder, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(folder, "Directory.Build.targets"), "<Project />\n");

        // The feed is added to the sources NuGet already knows (no <clear />): the machine's and user's configuration.
        File.WriteAllText(Path.Combine(folder, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="asgibridge-test-feed" value="{SecurityElement.Escape(feed)}" />
              </packageSources>
            </configuration>
            """);

        // NuGetAudit off: the audit asks a remote vulnerability source, which is not what this test is about.
        File.WriteAllText(Path.Combine(folder, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <UseAppHost>false</UseAppHost>
                <NuGetAudit>false</NuGetAudit>
                <RestorePackagesPath>{SecurityElement.Escape(packages)}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="AsgiBridge" Version="[{version}]" />
              </ItemGroup>
            </Project>
            """);

        File.WriteAllText(Path.Combine(folder, "Program.cs"), Program.Replace("{{VersionLine}}", VersionLine, StringComparison.Ordinal)
            .Replace("{{ListeningLine}}", ListeningLine, StringComparison.Ordinal));
        return folder;
    }
}
