namespace AsgiBridge.HttpContextBackend;

/// <summary>Where the response of one request stands; it only moves forward (Kestrel's <c>RequestProcessingStatus</c>).</summary>
internal enum ResponseProgress : byte
{
    /// <summary>No <c>http.response.start</c> yet.</summary>
    NotStarted,

    /// <summary><c>http.response.start</c> accepted and validated; nothing is written yet (a clean 500 is still possible).</summary>
    Started,

    /// <summary>The head is written; more body pieces may follow.</summary>
    HeadWritten,

    /// <summary>The last body piece is counted, or the server answered in the application's place.</summary>
    Complete,
}
