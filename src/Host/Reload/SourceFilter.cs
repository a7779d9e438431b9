using System.Text;
using System.Text.RegularExpressions;

namespace AsgiBridge.Host.Reload;

/// <summary>
/// Which changed files restart the app under <c>--reload</c>: uvicorn's <c>--reload-include</c> and
/// <c>--reload-exclude</c> glob patterns, combined with its defaults as uvicorn combines them (includes <c>*.py</c>,
/// excludes <c>.*</c>, <c>.py[cod]</c>, <c>.sw.*</c>, <c>~*</c>; a default given to the other flag is dropped), and
/// matched as uvicorn matches them: Python's <c>PurePath.match</c>, a pattern's components against the path's last
/// ones (<c>*.py</c> the file name, <c>static/*.css</c> the file and its directory), <c>fnmatch</c> wildcards. A file
/// counts when an include matches it and no exclude does; a directory an exclude matches is skipped with all it holds
/// (so <c>.*</c> skips hidden directories), and so are byte-code caches (<c>__pycache__</c>).
/// </summary>
internal sealed class SourceFilter
{
    private static readonly string[] s_defaultIncludes = ["*.py"];
    private static readonly string[] s_defaultExcludes = [".*", ".py[cod]", ".sw.*", "~*"];

    private readonly Pattern[] _includes;
    private readonly Pattern[] _excludes;

    public SourceFilter(IReadOnlyCollection<string> includes, IReadOnlyCollection<string> excludes)
    {
        Includes = [.. s_defaultIncludes.Where(d => !excludes.Contains(d)).Concat(includes).Distinct(StringComparer.Ordinal)];
        Excludes = [.. s_defaultExcludes.Where(d => !includes.Contains(d)).Concat(excludes).Distinct(StringComparer.Ordinal)];
        _includes = [.. Includes.Select(p => new Pattern(p))];
        _excludes = [.. Excludes.Select(p => new Pattern(p))];
    }

    /// <summary>uvicorn's defaults alone: Python sources.</summary>
    public static SourceFilter Default { get; } = new([], []);

    /// <summary>The patterns in effect, for the start-up log.</summary>
    public IReadOnlyList<string> Includes { get; }

    public IReadOnlyList<string> Excludes { get; }

    /// <summary>Whether a change to <paramref name="path"/>, under the watched <paramref name="root"/>, restarts the app.</summary>
    public bool Matches(string root, string path)
    {
        var relative = Path.GetRelativePath(root, path);
        var parts = relative.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts[0] == "..")
        {
            return false;
        }

        // The directories between the root and the file, each as the path uvicorn's watcher would test.
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (parts[i] == "__pycache__" || Array.Exists(_excludes, e => e.Matches(parts.AsSpan(0, i + 1))))
            {
                return false;
            }
        }

        return Array.Exists(_includes, p => p.Matches(parts)) && !Array.Exists(_excludes, p => p.Matches(parts));
    }

    /// <summary>A relative glob, matched component by component from the right (<c>PurePath.match</c>).</summary>
    private sealed class Pattern
    {
        private readonly Regex[] _parts;

        public Pattern(string glob) =>
            _parts = [.. glob.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Translate)];

        public bool Matches(ReadOnlySpan<string> path)
        {
            if (_parts.Length == 0 || _parts.Length > path.Length)
            {
                return false;
            }

            for (var i = 1; i <= _parts.Length; i++)
            {
                if (!_parts[^i].IsMatch(path[^i]))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>fnmatch's wildcards: <c>*</c>, <c>?</c>, <c>[seq]</c>, <c>[!seq]</c>; case-sensitive, as on POSIX.</summary>
        private static Regex Translate(string glob)
        {
            var regex = new StringBuilder("^");
            for (var i = 0; i < glob.Length; i++)
            {
                var c = glob[i];
                switch (c)
                {
                    case '*':
                        regex.Append(".*");
                        break;
                    case '?':
                        regex.Append('.');
                        break;
                    case '[' when glob.IndexOf(']', i + 2 < glob.Length ? i + 2 : glob.Length - 1) is var close and > 0:
                        var set = glob[(i + 1)..close];
                        regex.Append('[').Append(set.StartsWith('!') ? "^" + Regex.Escape(set[1..]) : Regex.Escape(set)).Append(']');
                        i = close;
                        break;
                    default:
                        regex.Append(Regex.Escape(c.ToString()));
                        break;
                }
            }

            return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline);
        }
    }
}
