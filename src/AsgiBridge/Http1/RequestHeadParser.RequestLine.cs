using AsgiBridge.Infrastructure;

namespace AsgiBridge.Http1;

internal static partial class RequestHeadParser
{
    /// <summary>request-line = method SP request-target SP HTTP-version (RFC 9112 §3), exactly one SP each.</summary>
    private static void ParseRequestLine(ReadOnlySpan<byte> line, RequestHead head)
    {
        // The usual line: the first byte that is not a token byte is the SP after the method, and the first byte
        // after it that is not a target byte is the SP before the version. Two scans instead of four; any other
        // line takes the step-by-step checks below, which name the exact fault.
        var methodEnd = line.IndexOfAnyExcept(HttpCharacters.Token);
        if (methodEnd > 0 && line[methodEnd] == HttpCharacters.SP)
        {
            var afterMethod = line[(methodEnd + 1)..];
            var targetEnd = afterMethod.IndexOfAnyExcept(HttpCharacters.TargetChar);
            if (targetEnd > 0 && afterMethod[targetEnd] == HttpCharacters.SP)
            {
                SetRequestLine(line[..methodEnd], afterMethod[..targetEnd], afterMethod[(targetEnd + 1)..], head);
                return;
            }
        }

        var firstSpace = line.IndexOf(HttpCharacters.SP);
        if (firstSpace < 0)
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.InvalidRequestLine);
        }

        var method = line[..firstSpace];
        if (!HttpCharacters.IsToken(method))
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.InvalidMethod);
        }

        var rest = line[(firstSpace + 1)..];
        var secondSpace = rest.IndexOf(HttpCharacters.SP);
        if (secondSpace <= 0)
        {
            // No version (an HTTP/0.9 line) or an empty target (two spaces in a row).
            ThrowHelper.ThrowBadRequest(RequestRejection.InvalidRequestLine);
        }

        var target = rest[..secondSpace];
        var version = rest[(secondSpace + 1)..];
        if (target.ContainsAnyExcept(HttpCharacters.TargetChar))
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.InvalidRequestTarget);
        }

        SetRequestLine(method, target, version, head);
    }

    /// <summary>Records a request line whose method is a token and whose target holds only target bytes.</summary>
    private static void SetRequestLine(ReadOnlySpan<byte> method, ReadOnlySpan<byte> target, ReadOnlySpan<byte> version, RequestHead head)
    {
        head.IsHttp10 = ParseVersion(version);
        head.Method = KnownMethods.GetString(method);
        if (head.Method == "CONNECT")
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.ConnectNotSupported);
        }

        ParseTarget(target, head);
    }

    /// <summary>HTTP-version = "HTTP/" DIGIT "." DIGIT; 1.2–1.9 are served as 1.1 (RFC 9110 §2.5). Returns true for 1.0.</summary>
    private static bool ParseVersion(ReadOnlySpan<byte> version)
    {
        if (version.Length != 8 || !version.StartsWith("HTTP/"u8) || version[6] != (byte)'.'
            || !char.IsAsciiDigit((char)version[5]) || !char.IsAsciiDigit((char)version[7]))
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.InvalidHttpVersion);
        }

        if (version[5] != (byte)'1')
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.UnsupportedHttpVersion);
        }

        return version[7] == (byte)'0';
    }

    /// <summary>The four target forms of RFC 9112 §3.2; the fragment, which clients should not send, is dropped.</summary>
    private static void ParseTarget(ReadOnlySpan<byte> target, RequestHead head)
    {
        var hash = target.IndexOf((byte)'#');
        if (hash >= 0)
        {
            target = target[..hash];
        }

        if (!target.IsEmpty && target[0] == (byte)'/')
        {
            SetPathAndQuery(target, head);
            return;
        }

        if (target.SequenceEqual("*"u8))
        {
            if (head.Method != "OPTIONS")
            {
                ThrowHelper.ThrowBadRequest(RequestRejection.AsteriskFormNotOptions);
            }

            SetPathAndQuery(target, head);
            return;
        }

        var schemeEnd = target.IndexOf("://"u8);
        if (schemeEnd > 0 && IsScheme(target[..schemeEnd]))
        {
            ParseAbsoluteForm(target[(schemeEnd + 3)..], head);
            return;
        }

        // authority-form (host:port) belongs to CONNECT only (RFC 9112 §3.2.3).
        ThrowHelper.ThrowBadRequest(target.Contains(HttpCharacters.Colon) && !target.Contains((byte)'/')
            ? RequestRejection.AuthorityFormNotSupported
            : RequestRejection.InvalidRequestTarget);
    }

    private static void ParseAbsoluteForm(ReadOnlySpan<byte> afterScheme, RequestHead head)
    {
        var authorityEnd = afterScheme.IndexOfAny((byte)'/', (byte)'?');
        var authority = authorityEnd < 0 ? afterScheme : afterScheme[..authorityEnd];
        if (authority.Contains((byte)'@'))
        {
            // RFC 9110 §4.2.4: userinfo is deprecated and must be treated as an error.
            ThrowHelper.ThrowBadRequest(RequestRejection.UserInfoInTarget);
        }

        // RFC 9110 §4.2.1: an http(s) URI with an empty host is invalid and must be rejected.
        if (authority.IsEmpty || authority[0] == HttpCharacters.Colon || !HostValidator.IsValid(authority))
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.InvalidRequestTarget);
        }

        head.AuthorityStart = head.Arena.Append(authority);
        head.AuthorityLength = authority.Length;

        var pathAndQuery = authorityEnd < 0 ? default : afterScheme[authorityEnd..];
        if (pathAndQuery.IsEmpty || pathAndQuery[0] == (byte)'?')
        {
            // An empty path is "/" (RFC 9112 §3.2.2).
            head.RawPathStart = head.Arena.Append("/"u8);
            head.RawPathLength = 1;
            SetQuery(pathAndQuery.IsEmpty ? default : pathAndQuery[1..], head);
            return;
        }

        SetPathAndQuery(pathAndQuery, head);
    }

    private static void SetPathAndQuery(ReadOnlySpan<byte> target, RequestHead head)
    {
        var question = target.IndexOf((byte)'?');
        var path = question < 0 ? target : target[..question];
        head.RawPathStart = head.Arena.Append(path);
        head.RawPathLength = path.Length;
        SetQuery(question < 0 ? default : target[(question + 1)..], head);
    }

    private static void SetQuery(ReadOnlySpan<byte> query, RequestHead head)
    {
        head.QueryStart = head.Arena.Append(query);
        head.QueryLength = query.Length;
    }

    /// <summary>scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1).</summary>
    private static bool IsScheme(ReadOnlySpan<byte> scheme)
    {
        if (!char.IsAsciiLetter((char)scheme[0]))
        {
            return false;
        }

        foreach (var b in scheme)
        {
            if (!char.IsAsciiLetterOrDigit((char)b) && b is not ((byte)'+' or (byte)'-' or (byte)'.'))
            {
                return false;
            }
        }

        return true;
    }
}
