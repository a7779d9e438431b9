namespace AsgiBridge.Http1;

/// <summary>The parsing limits of one connection, copied from the options once at connection start.</summary>
internal readonly record struct Http1Limits(int MaxRequestLineSize, int MaxRequestHeadersSize, int MaxRequestHeaderCount, long? MaxRequestBodySize);
