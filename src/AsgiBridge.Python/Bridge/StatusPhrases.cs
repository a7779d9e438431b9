using AsgiBridge.Http1;
using Python.Runtime;

namespace AsgiBridge.Python.Bridge;

/// <summary>
/// uvicorn writes each status line with the phrase of its interpreter's <c>http.HTTPStatus</c> (none for a code
/// Python does not name), and those names changed with Python 3.13 (RFC 9110's <c>422 Unprocessable Content</c>;
/// RFC 7231's <c>Unprocessable Entity</c> before). The host serving a Python app takes the same interpreter's names,
/// so both servers' status lines read alike (clients ignore the phrase anyway: RFC 9112 §4). Loop thread, GIL held.
/// </summary>
internal static class StatusPhrases
{
    /// <summary>Reads <c>http.HTTPStatus</c> and makes the host's status lines use it.</summary>
    public static void UseInterpreters()
    {
        var phrases = new Dictionary<int, string>();
        using var http = Py.Import("http");
        using var statuses = new PyIterable(http.GetAttr("HTTPStatus"));
        foreach (var status in statuses)
        {
            using (status)
            using (var phrase = status.GetAttr("phrase"))
            {
                phrases[status.As<int>()] = phrase.As<string>();
            }
        }

        StatusLines.UseReasonPhrases(phrases);
    }
}
