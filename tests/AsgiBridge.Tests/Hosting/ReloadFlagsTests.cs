using AsgiBridge.Host.Cli;
using AsgiBridge.Host.Reload;

namespace AsgiBridge.Tests.Hosting;

/// <summary>
/// uvicorn's <c>--reload-include</c>, <c>--reload-exclude</c> and <c>--reload-delay</c>: the patterns combine with
/// uvicorn's defaults as uvicorn combines them and match as Python's <c>PurePath.match</c>; only the watching parent
/// reads them.
/// </summary>
public sealed class ReloadFlagsTests
{
    [Fact]
    public void The_flags_set_the_python_reload_keys()
    {
        var parsed = CommandLine.Parse(["--python", "main:app", "--reload", "--reload-include", "*.html", "--reload-include=*.css", "--reload-exclude", "tests/*", "--reload-delay=1.5"]);
        Assert.True(parsed.Action == CommandLineAction.Run, parsed.Error);
        Assert.Equal(
            [
                new("Python:App", "main:app"), new("Python:Reload", "true"), new("Python:ReloadIncludes:0", "*.html"),
                new("Python:ReloadIncludes:1", "*.css"), new("Python:ReloadExcludes:0", "tests/*"), new("Python:ReloadDelay", "1.5"),
            ],
            parsed.Settings);
    }

    [Theory]
    [InlineData("--reload-include", "*.html")]
    [InlineData("--reload-exclude", "*.txt")]
    [InlineData("--reload-delay", "1")]
    [InlineData("--reload-dir", "src")]
    public void They_need_a_python_app(string flag, string value)
    {
        var parsed = CommandLine.Parse([flag, value]);
        Assert.Equal(CommandLineAction.Error, parsed.Action);
        Assert.Equal($"Option '{flag}' needs '--python MODULE:ATTR'.", parsed.Error);
    }

    [Fact]
    public void The_child_does_not_get_them()
    {
        string[] args = ["--python", "main:app", "--reload", "--reload-include", "*.html", "--reload-exclude=x", "--reload-delay", "2", "--port", "9000"];
        Assert.Equal(["--python", "main:app", "--port", "9000", "--Python:Reload=false"], ReloadArguments.ForChild(args));
    }

    [Theory]
    // uvicorn's defaults: Python sources, not hidden files or directories, byte-code caches, swap files.
    [InlineData(new string[0], new string[0], "main.py", true)]
    [InlineData(new string[0], new string[0], "pkg/views.py", true)]
    [InlineData(new string[0], new string[0], "index.html", false)]
    [InlineData(new string[0], new string[0], ".hidden.py", false)]
    [InlineData(new string[0], new string[0], ".git/hooks/x.py", false)]
    [InlineData(new string[0], new string[0], "__pycache__/main.cpython-311.py", false)]
    [InlineData(new string[0], new string[0], "~backup/main.py", false)]
    // Includes add to *.py; a path pattern matches the file's last components.
    [InlineData(new[] { "*.html" }, new string[0], "templates/index.html", true)]
    [InlineData(new[] { "*.html" }, new string[0], "main.py", true)]
    [InlineData(new[] { "static/*.css" }, new string[0], "app/static/site.css", true)]
    [InlineData(new[] { "static/*.css" }, new string[0], "app/other/site.css", false)]
    [InlineData(new[] { "data_[0-9].json" }, new string[0], "data_7.json", true)]
    [InlineData(new[] { "data_[!0-9].json" }, new string[0], "data_7.json", false)]
    [InlineData(new[] { "conf?.toml" }, new string[0], "conf1.toml", true)]
    // Excludes: files, and directories with all they hold; a default include given as an exclude is dropped.
    [InlineData(new string[0], new[] { "test_*.py" }, "tests/test_app.py", false)]
    [InlineData(new string[0], new[] { "migrations" }, "app/migrations/0001.py", false)]
    [InlineData(new string[0], new[] { "*.py" }, "main.py", false)]
    [InlineData(new[] { "*.txt" }, new[] { "*.py" }, "notes.txt", true)]
    // A default exclude given as an include is dropped: hidden files count again.
    [InlineData(new[] { ".*" }, new string[0], ".env.py", true)]
    public void Files_count_as_uvicorns_patterns_say(string[] includes, string[] excludes, string relative, bool counts)
    {
        var filter = new SourceFilter(includes, excludes);
        Assert.Equal(counts, filter.Matches("/srv/app", Path.Combine("/srv/app", relative)));
    }

    [Fact]
    public void A_directory_above_the_watched_one_does_not_count_against_a_file()
    {
        // A project under a hidden directory (~/.local/src/app) is still watched: only the path below the root is tested.
        Assert.True(SourceFilter.Default.Matches("/home/u/.local/app", "/home/u/.local/app/main.py"));
        Assert.False(SourceFilter.Default.Matches("/srv/app", "/srv/other/main.py"));
    }

    [Fact]
    public void The_patterns_in_effect_combine_as_uvicorns()
    {
        var filter = new SourceFilter(["*.html", ".*"], ["*.py", "tests"]);
        Assert.Equal(["*.html", ".*"], filter.Includes);
        Assert.Equal([".py[cod]", ".sw.*", "~*", "*.py", "tests"], filter.Excludes);
    }
}
