using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Hosting;

/// <summary>The README's command, <c>dotnet run --project src/Host -- --python main:app --app-dir samples/python</c>.</summary>
public sealed class DotnetRunTests
{
    [SkippableFact]
    public async Task A_relative_app_dir_means_the_directory_dotnet_run_was_typed_in()
    {
        var missing = PythonPackages.Missing();
        Skip.If(missing is not null, missing);

        // Typed in the folder that holds apps/, as uvicorn --app-dir apps would be; the Web SDK would otherwise run
        // the host in src/Host, where apps/ does not exist.
        var typedIn = Path.GetDirectoryName(ServerPair.AppDir)!;
        await using var server = await ServerProcess.StartWithDotnetRunAsync(typedIn, "raw_app:app", "--app-dir", "apps");
        var response = await RawHttp.SendAsync(server.Port, "GET", "/state");
        Assert.Equal("{\"started\": \"yes\"}", response.Text);
    }
}
