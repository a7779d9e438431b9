using System.Text;

namespace AsgiBridge.Tests.Proxy;

/// <summary>
/// The recipes of docs/deploy.md, read from the document as written: a fenced block is found by the HTML comment that
/// marks it (<c>&lt;!-- deploy-... --&gt;</c>), so the tests run what a reader copies.
/// </summary>
internal static class DeployDoc
{
    /// <summary>The body of the first <c>```language</c> block after <paramref name="marker"/>, without the fences.</summary>
    public static string Block(string marker, string language)
    {
        var text = Text();
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"docs/deploy.md has no {marker}");
        var fence = $"```{language}\n";
        var start = text.IndexOf(fence, at, StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/deploy.md has no ```{language} block after {marker}");
        start += fence.Length;
        var end = text.IndexOf("\n```", start, StringComparison.Ordinal);
        return text[start..end];
    }

    /// <summary>
    /// A command line as a POSIX shell or systemd splits it: words separated by blanks, a backslash at the end of a
    /// line joining it to the next, double or single quotes keeping blanks (and <c>;</c>) inside one word.
    /// </summary>
    public static IReadOnlyList<string> SplitCommand(string command)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        command = command.Replace("\\\n", " ", StringComparison.Ordinal);
        foreach (var c in command)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        Assert.True(quote == '\0', $"unbalanced quote in: {command}");
        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    private static string Text()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "docs", "deploy.md")))
        {
            directory = directory.Parent;
        }

        Assert.True(directory is not null, "docs/deploy.md not found above " + AppContext.BaseDirectory);
        return File.ReadAllText(Path.Combine(directory.FullName, "docs", "deploy.md")).ReplaceLineEndings("\n");
    }
}
