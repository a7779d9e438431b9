namespace AsgiBridge.Cycle;

/// <summary>One read of the request body for an <c>http.request</c> event.</summary>
/// <param name="Data">The bytes (null when none, or when they were skipped).</param>
/// <param name="Gone">The client left, or the body failed and the backend answered or closed: the application gets <c>http.disconnect</c>.</param>
internal readonly record struct RequestBodyRead(byte[]? Data, bool Gone);
