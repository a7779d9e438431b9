using System.Runtime.InteropServices;
using System.Text;

namespace AsgiBridge.Host.Startup;

/// <summary>
/// uvicorn's <c>--env-file PATH</c>: environment variables read from a file before anything else reads the
/// environment, so the host's own settings (<c>Asgi__...</c>) and the Python app's <c>os.environ</c> both see them.
/// uvicorn hands the file to python-dotenv's <c>load_dotenv</c>, and this reads the same format the same way:
/// <c>KEY=VALUE</c> lines, blank lines and <c>#</c> comments, an optional <c>export </c>, values in single quotes
/// (<c>\\</c> and <c>\'</c> escapes) or double quotes (also <c>\n</c>, <c>\t</c>, <c>\"</c>, ...; either may span
/// lines), unquoted values cut at <c> #</c> and trimmed, <c>${NAME}</c> and <c>${NAME:-default}</c> expanded from the
/// environment and the file's earlier lines. As <c>load_dotenv</c>'s default (<c>override=False</c>), a variable
/// already in the environment is kept. Where python-dotenv would skip a line it cannot parse with a warning, this
/// refuses the file, naming the line: a typo in a secret's line should not start the app without it.
/// </summary>
internal static partial class EnvFile
{
    /// <summary>Reads <paramref name="path"/> and sets its variables; returns null, or the one-line reason it could not.</summary>
    public static string? Load(string path)
    {
        var full = Path.GetFullPath(path);
        string text;
        try
        {
            text = File.ReadAllText(full, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            var reason = ex switch
            {
                FileNotFoundException or DirectoryNotFoundException => "the file does not exist",
                UnauthorizedAccessException => "the file cannot be read (permission denied)",
                DecoderFallbackException => "the file is not UTF-8",
                _ => ex.Message,
            };
            return $"--env-file '{full}': {reason}.";
        }

        if (!TryParse(text, out var bindings, out var line, out var problem))
        {
            return $"--env-file '{full}' line {line}: {problem}.";
        }

        foreach (var (key, value) in Resolve(bindings, Environment.GetEnvironmentVariable))
        {
            if (Environment.GetEnvironmentVariable(key) is null)
            {
                Set(key, value);
            }
        }

        return null;
    }

    /// <summary>The file's bindings in order (a key without <c>=</c> has no value and sets nothing, as python-dotenv's).</summary>
    internal static bool TryParse(string text, out List<(string Key, string? Value)> bindings, out int line, out string problem)
    {
        bindings = [];
        var reader = new Reader(text);
        while (true)
        {
            reader.SkipWhitespace(multiline: true);
            line = reader.Line;
            if (reader.AtEnd)
            {
                problem = "";
                return true;
            }

            if (!TryParseBinding(reader, out var key, out var value, out problem))
            {
                return false;
            }

            if (key is not null)
            {
                bindings.Add((key, value));
            }
        }
    }

    /// <summary>
    /// Expands <c>${NAME}</c> and <c>${NAME:-default}</c> in every value, as python-dotenv's <c>resolve_variables</c>
    /// with <c>override=False</c>: the environment first, then the file's earlier values; unknown is the default or empty.
    /// </summary>
    internal static List<(string Key, string Value)> Resolve(List<(string Key, string? Value)> bindings, Func<string, string?> environment)
    {
        var resolved = new Dictionary<string, string?>(StringComparer.Ordinal);
        var result = new List<(string, string)>(bindings.Count);
        foreach (var (key, value) in bindings)
        {
            string? expanded = null;
            if (value is not null)
            {
                // A name the file lists without a value expands to empty, not to the default (python-dotenv's).
                expanded = Expand(value, name => environment(name) is { } set ? set : resolved.TryGetValue(name, out var earlier) ? earlier ?? "" : null);
                result.Add((key, expanded));
            }

            resolved[key] = expanded;
        }

        return result;
    }

    private static string Expand(string value, Func<string, string?> lookup)
    {
        var text = new StringBuilder(value.Length);
        var i = 0;
        while (i < value.Length)
        {
            var start = value.IndexOf("${", i, StringComparison.Ordinal);
            var end = start < 0 ? -1 : value.IndexOf('}', start + 2);
            if (end < 0)
            {
                text.Append(value, i, value.Length - i);
                break;
            }

            text.Append(value, i, start - i);
            var inner = value[(start + 2)..end];
            var colon = inner.IndexOf(':', StringComparison.Ordinal);
            string name;
            string fallback = "";
            if (colon < 0)
            {
                name = inner;
            }
            else if (inner.AsSpan(colon).StartsWith(":-"))
            {
                name = inner[..colon];
                fallback = inner[(colon + 2)..];
            }
            else
            {
                // python-dotenv's pattern allows no other ':' in the name: the text stays as written.
                text.Append(value, start, end + 1 - start);
                i = end + 1;
                continue;
            }

            text.Append(lookup(name) ?? fallback);
            i = end + 1;
        }

        return text.ToString();
    }

    /// <summary>One statement: <c>[export ]KEY[=VALUE] [# comment]</c>, or a comment alone.</summary>
    private static bool TryParseBinding(Reader reader, out string? key, out string? value, out string problem)
    {
        key = value = null;
        problem = "";
        reader.SkipExport();
        if (reader.Peek() != '#')
        {
            if (reader.Peek() == '\'')
            {
                var close = reader.Text.IndexOf('\'', reader.Position + 1);
                if (close <= reader.Position + 1)
                {
                    problem = "a quoted name must be closed and not empty";
                    return false;
                }

                key = reader.Text[(reader.Position + 1)..close];
                if (key.Contains('=', StringComparison.Ordinal) || key.Contains('\0', StringComparison.Ordinal))
                {
                    problem = "a variable's name cannot contain '=' or NUL";
                    return false;
                }

                reader.Advance(close + 1 - reader.Position);
            }
            else
            {
                var length = 0;
                while (reader.Position + length < reader.Text.Length && reader.Text[reader.Position + length] is not ('=' or '#') && !char.IsWhiteSpace(reader.Text[reader.Position + length]))
                {
                    length++;
                }

                if (length == 0)
                {
                    problem = "expected KEY=VALUE";
                    return false;
                }

                key = reader.Text.Substring(reader.Position, length);
                reader.Advance(length);
            }

            reader.SkipWhitespace(multiline: false);
            if (reader.Peek() == '=')
            {
                reader.Advance(1);
                reader.SkipWhitespace(multiline: false);
                if (!TryParseValue(reader, out value, out problem))
                {
                    return false;
                }
            }
        }

        // An optional comment, then the end of the line.
        reader.SkipWhitespace(multiline: false);
        if (reader.Peek() == '#')
        {
            while (!reader.AtEnd && reader.Peek() is not ('\r' or '\n'))
            {
                reader.Advance(1);
            }
        }

        if (!reader.AtEnd && reader.Peek() is not ('\r' or '\n'))
        {
            problem = key is null || value is not null
                ? "unexpected text after the value (quote a value with spaces around a '#', or end the line)"
                : "expected KEY=VALUE";
            return false;
        }

        return true;
    }

    private static bool TryParseValue(Reader reader, out string? value, out string problem)
    {
        problem = "";
        var quote = reader.Peek();
        if (quote is '\'' or '"')
        {
            // The closing quote is the first one not escaped with a backslash; the value may span lines.
            var i = reader.Position + 1;
            while (i < reader.Text.Length && reader.Text[i] != quote)
            {
                i += reader.Text[i] == '\\' && i + 1 < reader.Text.Length && reader.Text[i + 1] == quote ? 2 : 1;
            }

            if (i >= reader.Text.Length)
            {
                value = null;
                problem = $"the value's opening {quote} is never closed";
                return false;
            }

            var raw = reader.Text[(reader.Position + 1)..i];
            reader.Advance(i + 1 - reader.Position);
            value = Unescape(raw, quote == '"');
            return true;
        }

        var start = reader.Position;
        while (!reader.AtEnd && reader.Peek() is not ('\r' or '\n'))
        {
            reader.Advance(1);
        }

        // Unquoted: a '#' after whitespace starts a comment; trailing whitespace is dropped.
        var text = reader.Text[start..reader.Position];
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i] == '#' && char.IsWhiteSpace(text[i - 1]))
            {
                text = text[..i];
                break;
            }
        }

        value = text.TrimEnd();
        return true;
    }

    /// <summary>python-dotenv's escapes: <c>\\</c> and <c>\'</c> in single quotes; also <c>\"</c>, <c>\a \b \f \n \r \t \v</c> in double quotes.</summary>
    private static string Unescape(string raw, bool doubleQuoted)
    {
        if (!raw.Contains('\\', StringComparison.Ordinal))
        {
            return raw;
        }

        var text = new StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '\\' && i + 1 < raw.Length)
            {
                char? decoded = raw[i + 1] switch
                {
                    '\\' => '\\',
                    '\'' => '\'',
                    '"' when doubleQuoted => '"',
                    'a' when doubleQuoted => '\a',
                    'b' when doubleQuoted => '\b',
                    'f' when doubleQuoted => '\f',
                    'n' when doubleQuoted => '\n',
                    'r' when doubleQuoted => '\r',
                    't' when doubleQuoted => '\t',
                    'v' when doubleQuoted => '\v',
                    _ => null,
                };
                if (decoded is { } d)
                {
                    text.Append(d);
                    i++;
                    continue;
                }
            }

            text.Append(c);
        }

        return text.ToString();
    }

    /// <summary>
    /// Sets the variable for this process and, since <see cref="Environment.SetEnvironmentVariable(string, string)"/>
    /// changes only .NET's copy on Unix, in the C library's environment too: a Python embedded as a library
    /// (<c>Python:Embed=Library</c>) builds <c>os.environ</c> from the latter. Under <c>Process</c> the host re-executes
    /// itself with .NET's copy (and reads the file again there, keeping what is already set).
    /// </summary>
    private static void Set(string key, string value)
    {
        Environment.SetEnvironmentVariable(key, value);
        if (!OperatingSystem.IsWindows())
        {
            _ = SetNative(key, value, 1);
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetNative(string name, string value, int overwrite);

    /// <summary>A position in the file's text and the line it is on.</summary>
    private sealed class Reader(string text)
    {
        public string Text { get; } = text;

        public int Position { get; private set; }

        public int Line { get; private set; } = 1;

        public bool AtEnd => Position >= Text.Length;

        public char Peek() => AtEnd ? '\0' : Text[Position];

        public void Advance(int count)
        {
            for (var i = 0; i < count; i++)
            {
                // \r\n, \n and \r each end a line (python-dotenv counts them so).
                if (Text[Position] == '\n' || (Text[Position] == '\r' && (Position + 1 >= Text.Length || Text[Position + 1] != '\n')))
                {
                    Line++;
                }

                Position++;
            }
        }

        public void SkipWhitespace(bool multiline)
        {
            while (!AtEnd && char.IsWhiteSpace(Peek()) && (multiline || Peek() is not ('\r' or '\n')))
            {
                Advance(1);
            }
        }

        /// <summary><c>export</c> followed by spaces or tabs (not a name that starts with it: <c>export=1</c>, <c>exported=1</c>).</summary>
        public void SkipExport()
        {
            if (Text.AsSpan(Position).StartsWith("export") && Position + 6 < Text.Length && Text[Position + 6] is ' ' or '\t')
            {
                Advance(6);
                SkipWhitespace(multiline: false);
            }
        }
    }
}
