using System.Text.Json;

namespace AsgiBridge.Tests.Conformance;

/// <summary>
/// Loads tests/AsgiBridge.Tests/Conformance/corpus.json, found by walking up from the test binaries to the
/// folder that holds Bridge.sln (the file is not copied to the output folder).
/// </summary>
public static class CorpusLoader
{
    private static readonly Lazy<IReadOnlyList<CorpusCase>> s_all = new(Load);
    private static readonly Lazy<IReadOnlyDictionary<string, CorpusCase>> s_byName = new(Index);

    /// <summary>Every case, in file order.</summary>
    public static IReadOnlyList<CorpusCase> All => s_all.Value;

    /// <summary>Rows for xunit <c>[MemberData]</c>: one row per case, the case name as the only parameter.</summary>
    public static IEnumerable<object[]> Cases() => All.Select(c => new object[] { c.Name });

    /// <summary>Looks a case up by its (unique) name.</summary>
    public static CorpusCase Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return s_byName.Value.TryGetValue(name, out var found)
            ? found
            : throw new KeyNotFoundException("No corpus case named '" + name + "'.");
    }

    /// <summary>Absolute path of corpus.json.</summary>
    public static string CorpusPath()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Bridge.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new FileNotFoundException("Bridge.sln not found above " + AppContext.BaseDirectory);
        }

        return Path.Combine(dir.FullName, "tests", "AsgiBridge.Tests", "Conformance", "corpus.json");
    }

    private static List<CorpusCase> Load()
    {
        var path = CorpusPath();
        using var stream = File.OpenRead(path);
        var cases = JsonSerializer.Deserialize<List<CorpusCase>>(stream)
            ?? throw new InvalidDataException(path + " holds no JSON array.");
        return cases;
    }

    private static Dictionary<string, CorpusCase> Index()
    {
        var byName = new Dictionary<string, CorpusCase>(StringComparer.Ordinal);
        foreach (var c in All)
        {
            if (!byName.TryAdd(c.Name, c))
            {
                throw new InvalidDataException("Duplicate corpus case name '" + c.Name + "'.");
            }
        }

        return byName;
    }
}
