using System.Text.Json;
using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Hosting;

/// <summary>
/// <c>--env-file</c> as uvicorn has it: the file's variables are in the app's <c>os.environ</c> (under both ways of
/// embedding Python), the same values uvicorn's python-dotenv gives it, and a variable already set is kept.
/// </summary>
public sealed class EnvFileTests
{
    private const string EnvText =
        "# settings\n" +
        "export ENVFILE_PLAIN=plain\n" +
        "ENVFILE_QUOTED=\"two words # not a comment\"\n" +
        "ENVFILE_REF=${ENVFILE_PLAIN}/x\n" +
        "ENVFILE_PRESET=from-file\n";

    private const string AppText =
        "import json, os\n" +
        "async def app(scope, receive, send):\n" +
        "    if scope['type'] != 'http':\n" +
        "        return\n" +
        "    body = json.dumps({k: v for k, v in os.environ.items() if k.startswith('ENVFILE_')}).encode()\n" +
        "    await send({'type': 'http.response.start', 'status': 200, 'headers': [(b'content-type', b'application/json')]})\n" +
        "    await send({'type': 'http.response.body', 'body': body})\n";

    [SkippableTheory]
    [InlineData("process")]
    [InlineData("library")]
    public async Task The_apps_os_environ_has_the_files_variables_as_under_uvicorn(string embed)
    {
        var missing = PythonPackages.Missing("uvicorn");
        Skip.If(missing is not null, missing);
        var directory = Directory.CreateTempSubdirectory("asgibridge-envfile-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "env_app.py"), AppText);
            var envFile = Path.Combine(directory, "app.env");
            await File.WriteAllTextAsync(envFile, EnvText);

            Dictionary<string, string> ours;
            await using (var server = await ServerProcess.StartAsgiBridgeAsync("env_app:app", directory, [("ENVFILE_PRESET", "from-environment")], "--env-file", envFile, "--python-embed", embed))
            {
                ours = await EnvironAsync(server);
            }

            Dictionary<string, string> uvicorns;
            await using (var uvicorn = await ServerProcess.StartUvicornAsync("env_app:app", directory, "--env-file", envFile))
            {
                uvicorns = await EnvironAsync(uvicorn);
            }

            Assert.Equal("plain", ours["ENVFILE_PLAIN"]);
            Assert.Equal("two words # not a comment", ours["ENVFILE_QUOTED"]);
            Assert.Equal("plain/x", ours["ENVFILE_REF"]);
            Assert.Equal("from-environment", ours["ENVFILE_PRESET"]); // load_dotenv's override=False

            // uvicorn ran without the preset variable, so the file's value is its.
            Assert.Equal("from-file", uvicorns["ENVFILE_PRESET"]);
            ours.Remove("ENVFILE_PRESET");
            uvicorns.Remove("ENVFILE_PRESET");
            Assert.Equal(uvicorns.OrderBy(p => p.Key, StringComparer.Ordinal), ours.OrderBy(p => p.Key, StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<Dictionary<string, string>> EnvironAsync(ServerProcess server)
    {
        var response = await RawHttp.SendAsync(server.Port, "GET", "/");
        return JsonSerializer.Deserialize<Dictionary<string, string>>(response.Body)!;
    }
}
