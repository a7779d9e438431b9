using System.Text;
using System.Text.Json.Serialization;

namespace AsgiBridge.Tests.Conformance;

/// <summary>
/// One raw HTTP/1.1 conversation from the conformance corpus (corpus.json) and the answer the server must give.
/// </summary>
/// <param name="Name">Unique case name, "suite/group: description".</param>
/// <param name="Source">Where the vector comes from (upstream test file URL, or the AsgiBridge policy).</param>
/// <param name="Raw">The bytes to send, one char per byte (U+0000..U+00FF, Latin-1).</param>
/// <param name="Expect">Allowed status codes of the first response.</param>
/// <param name="Close">Whether the server must close the connection after the first response.</param>
/// <param name="Responses">Total number of responses expected on the connection.</param>
/// <param name="Echo">For accepted requests: what the echo app must report for the first request (null fields are not checked).</param>
public sealed record CorpusCase(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("raw")] string Raw,
    [property: JsonPropertyName("expect")] IReadOnlyList<int> Expect,
    [property: JsonPropertyName("close")] bool Close,
    [property: JsonPropertyName("responses")] int Responses,
    [property: JsonPropertyName("echo")] CorpusEcho? Echo)
{
    /// <summary>True when every allowed status is an error (4xx/5xx): the request must be rejected.</summary>
    [JsonIgnore]
    public bool IsRejection => Expect.Count > 0 && Expect.All(status => status >= 400);

    /// <summary>The wire bytes of <see cref="Raw"/> (Latin-1: each char is one byte).</summary>
    public byte[] ToBytes() => Encoding.Latin1.GetBytes(Raw);

    public override string ToString() => Name;
}

/// <summary>The fields of the echo app's JSON answer that a case pins down; a null field is not checked.</summary>
public sealed record CorpusEcho(
    [property: JsonPropertyName("method")] string? Method,
    [property: JsonPropertyName("path")] string? Path,
    [property: JsonPropertyName("raw_path")] string? RawPath,
    [property: JsonPropertyName("query_string")] string? QueryString,
    [property: JsonPropertyName("http_version")] string? HttpVersion,
    [property: JsonPropertyName("headers")] IReadOnlyList<IReadOnlyList<string>>? Headers,
    [property: JsonPropertyName("body_b64")] string? BodyB64)
{
    /// <summary>The decoded request body, or null when the case does not pin it.</summary>
    public byte[]? Body() => BodyB64 is null ? null : Convert.FromBase64String(BodyB64);
}
